import { inject, injectable } from 'tsyringe';
import { TOKENS } from '../di/tokens.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import type { Clock } from '../util/clock.js';
import { VtexClient } from './vtex-client.js';

/** One VTEX client per store, created on first use. */
@injectable()
export class VtexClients {
  private readonly clients = new Map<string, VtexClient>();

  constructor(
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.Clock) private readonly clock: Clock,
  ) {}

  for(account: string): VtexClient {
    let client = this.clients.get(account);
    if (!client) {
      const store = this.stores.get(account);
      if (!store) throw new Error(`unknown store ${account}`);
      client = new VtexClient({ account, ...store.vtex, clock: this.clock });
      this.clients.set(account, client);
    }
    return client;
  }
}
