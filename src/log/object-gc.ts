import type { Logger } from 'pino';
import type { MetadataStore } from '../metadata/metadata-store.js';
import type { ObjectStore } from '../objects/object-store.js';

/**
 * Deletes objects no segment row references any more. An object is deleted only when it was
 * already unreferenced one grace period earlier, so a fetch that looked up a row just before a
 * merge or retention swap can still read it.
 */
export class ObjectGarbageCollector {
  private readonly firstSeen = new Map<string, number>();
  readonly stats = { deleted: 0 };

  constructor(
    private readonly metadata: MetadataStore,
    private readonly objects: ObjectStore,
    private readonly graceMs: number,
    private readonly log: Logger,
  ) {}

  async run(now = Date.now()): Promise<number> {
    const keys = await this.metadata.listUnreferencedObjects(1000);
    const present = new Set(keys);
    for (const k of this.firstSeen.keys()) if (!present.has(k)) this.firstSeen.delete(k);
    const due: string[] = [];
    for (const k of keys) {
      const seen = this.firstSeen.get(k);
      if (seen === undefined) this.firstSeen.set(k, now);
      else if (now - seen >= this.graceMs) due.push(k);
    }
    for (const k of due) await this.objects.delete(k);
    if (due.length > 0) {
      await this.metadata.deleteObjectRecords(due);
      for (const k of due) this.firstSeen.delete(k);
      this.stats.deleted += due.length;
      this.log.debug({ count: due.length }, 'deleted unreferenced objects');
    }
    return due.length;
  }
}
