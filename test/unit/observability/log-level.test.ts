import { afterEach, describe, expect, it } from 'vitest';
import { accessLogEnabled, configureLogging, parseLevelSpec } from '../../../src/observability/log.js';

describe("agentgateway's level syntax", () => {
  it('parses a level with target directives; request is the access log', () => {
    expect(parseLevelSpec('info')).toEqual({ level: 'info', request: undefined });
    expect(parseLevelSpec('info,request=off')).toEqual({ level: 'info', request: 'off' });
    expect(parseLevelSpec('WARN, request=info, agent_core=trace')).toEqual({ level: 'warn', request: 'info' });
    expect(parseLevelSpec('loud')).toBeUndefined();
    expect(parseLevelSpec('info,request=loud')).toBeUndefined();
  });

  describe('whether the access log is written', () => {
    const saved = process.env.AGW_LOG_LEVEL;
    afterEach(() => {
      if (saved === undefined) delete process.env.AGW_LOG_LEVEL;
      else process.env.AGW_LOG_LEVEL = saved;
      configureLogging({});
    });

    it('follows the level unless request= says otherwise; the environment wins over the config', () => {
      delete process.env.AGW_LOG_LEVEL;
      configureLogging({ level: 'info' });
      expect(accessLogEnabled()).toBe(true);
      configureLogging({ level: 'warn' });
      expect(accessLogEnabled()).toBe(false);
      configureLogging({ level: 'warn,request=info' });
      expect(accessLogEnabled()).toBe(true);
      configureLogging({ level: 'debug,request=off' });
      expect(accessLogEnabled()).toBe(false);
      process.env.AGW_LOG_LEVEL = 'info,request=off';
      configureLogging({ level: 'info' });
      expect(accessLogEnabled()).toBe(false);
    });
  });
});
