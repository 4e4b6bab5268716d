// Finds the ledger's recent events without an index route: the log size of each block header is
// monotonic in height, so bisecting heights between two headers with equal log sizes skips every
// empty block. Needs a key that may read blocks (auditor or admin); each event is then read with
// GET /v1/events/{id}, which returns only what the key may read. Bounded: the newest
// `eventsMax` events.
import { node, ApiError } from './api.js';

const blockOf = (height) => node(`blocks/${height}`);

export async function scanRecentEvents({ eventsMax = 200 } = {}) {
  const status = await node('status');
  const top = status.height;
  const found = [];  // heights holding events, newest first
  let wanted = eventsMax;
  // Walk down from the top: (low, high] holds events when their log sizes differ.
  async function search(low, lowSize, high, highSize) {
    if (wanted <= 0 || lowSize === highSize) return;
    if (high === low + 1) {
      found.push(high);
      wanted -= highSize - lowSize;
      return;
    }
    const mid = Math.floor((low + high) / 2);
    const midSize = (await blockOf(mid)).header.log_size;
    await search(mid, midSize, high, highSize);  // newer half first
    await search(low, lowSize, mid, midSize);
  }
  if (top >= 1) {
    const topSize = (await blockOf(top)).header.log_size;
    await search(0, 0, top, topSize);
  }
  const events = [];
  for (const height of found) {
    const block = await blockOf(height);
    for (const id of block.events) {
      try {
        const view = await node(`events/${id}`);
        events.push({ ...view, block_time: block.header.time });
      } catch (e) {
        if (!(e instanceof ApiError) || e.status !== 403) throw e;
        events.push({ id, height, forbidden: true });
      }
    }
  }
  events.sort((a, b) => (b.leaf_index ?? 0) - (a.leaf_index ?? 0));
  return { status, events };
}

let scan = null;
export const recentEvents = () => (scan ??= scanRecentEvents().catch((e) => {
  scan = null;
  throw e;
}));
