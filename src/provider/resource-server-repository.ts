import type { ResourceServer } from './resource-servers.js';

/**
 * Resource servers registered at run time (the admin CLI), next to the static ones from
 * RESOURCES_FILE. Running instances re-read them every PROVIDER_REFRESH_SECONDS.
 */
export interface ResourceServerRepository {
  /** Sorted by audience. */
  list(): Promise<ResourceServer[]>;
  /** Adds the resource server unless its audience is taken; false when taken (nothing is overwritten). */
  create(server: ResourceServer): Promise<boolean>;
  delete(audience: string): Promise<boolean>;
}
