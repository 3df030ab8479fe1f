// Prints the README's table of served APIs from the handler registry (what ApiVersions advertises):
//   npx tsx scripts/api-table.ts
import { ranges } from '../src/handlers/index.js';
import { apiByKey } from '../protocol/generated/api-keys.js';

const rows = ranges.map((r) => {
  const api = apiByKey(r.apiKey)!;
  return `| ${r.apiKey} | ${api.name} | ${r.minVersion}–${r.maxVersion} | ${api.minVersion}–${api.maxVersion} |`;
});
process.stdout.write(['| Key | API | Served | Kafka 3.9 |', '| ---: | --- | --- | --- |', ...rows].join('\n') + '\n');
