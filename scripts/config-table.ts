// Prints the README's configuration table from src/config.ts, so the two never drift:
//   npx tsx scripts/config-table.ts
import { OPTIONS } from '../src/config.js';

const rows = OPTIONS.map((o) => `| \`${o.flag}\` | \`${o.env}\` | ${o.default === undefined ? '' : `\`${String(o.default)}\``} | ${o.doc} |`);
process.stdout.write(['| Flag | Environment | Default | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n');
