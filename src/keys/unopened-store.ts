// What a config check compiles the keys: section with (--validate-only, the admin API's
// validation, the importer's self-check): the store is named but not opened, so a check never
// takes the serving gateway's file lock or opens connections. It serves nothing.
import { StoreUnavailable, type KeyStore } from './store.js';

const closed = (): never => {
  throw new StoreUnavailable('the keys store is not opened when a config is only checked');
};

export class UnopenedStore implements KeyStore {
  onSoftLimit = () => {};

  constructor(
    readonly kind: 'file' | 'redis',
    readonly where: string,
  ) {}

  findKey = () => undefined;
  findTeam = () => undefined;
  admit = closed;
  extend = closed;
  settle = () => {};
  listKeys = async () => [];
  getKey = async () => undefined;
  putKey = closed;
  listTeams = async () => [];
  putTeam = closed;
  scopeState = async () => new Map();
  importSpend = closed;
  close = async () => {};
}
