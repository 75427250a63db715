// The admin UI's files are listed at start but read only when first served (memory, issue 18),
// then kept: a file changed on disk after its first read is served as first read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadUi } from '../../../src/admin/static-ui.js';

describe('loadUi', () => {
  it('lists the UI files with their types and reads each on first use, once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-ui-'));
    try {
      writeFileSync(join(dir, 'index.html'), '<p>before</p>');
      writeFileSync(join(dir, 'app.js'), 'void 0;');
      writeFileSync(join(dir, 'notes.txt'), 'not served');
      const ui = loadUi(dir);
      expect([...ui.keys()].sort()).toEqual(['app.js', 'index.html']);
      expect(ui.get('app.js')!.type).toBe('text/javascript; charset=utf-8');
      // Not read at load: the content on disk when first asked for is what is served.
      writeFileSync(join(dir, 'index.html'), '<p>after</p>');
      expect(ui.get('index.html')!.body.toString()).toBe('<p>after</p>');
      writeFileSync(join(dir, 'index.html'), '<p>later</p>');
      expect(ui.get('index.html')!.body.toString()).toBe('<p>after</p>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is empty when the UI was not built', () => {
    expect(loadUi(join(tmpdir(), 'agw-ui-missing-dir')).size).toBe(0);
  });
});
