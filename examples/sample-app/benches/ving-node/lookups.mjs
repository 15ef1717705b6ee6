// Node's mysql2 (the driver ving runs on) doing what `cargo bench -p ving-sample-app --bench
// drizzle -- --lookups ving|raw <url> <n>` does: n selects by primary key of `apikeys`, one
// at a time, the same columns, on a database that `-- --lookups setup <url> <n>` made.
//
//   VING_CHECKOUT=/tmp/ving-checkout node lookups.mjs <url> <n> [query|execute]
//
// mysql2 comes from the ving checkout's node_modules (nothing of it is in this repository).
// `query` sends the id in the SQL text (what drizzle-orm's mysql2 driver does for a select),
// `execute` a prepared statement with the id bound (what sqlx does). Prints the time.

import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const [url, count = '10000', mode = 'execute'] = process.argv.slice(2);
const checkout = process.env.VING_CHECKOUT;
if (!url || !checkout) {
    process.stderr.write('usage: VING_CHECKOUT=<ving checkout> node lookups.mjs <mysql url> <n> [query|execute]\n');
    process.exit(2);
}
const requireVing = createRequire(path.join(path.resolve(checkout), 'package.json'));
const mysql = (await import(pathToFileURL(requireVing.resolve('mysql2/promise')).href)).default;
const columns = ['id', 'createdAt', 'updatedAt', 'name', 'url', 'reason', 'privateKey', 'userId']
    .map((c) => `\`${c}\``)
    .join(', ');
const n = parseInt(count, 10);
const pool = mysql.createPool({ uri: url, connectionLimit: 10 });
let found = 0;
const start = performance.now();
for (let id = 1; id <= n; id++) {
    const [rows] = mode === 'query'
        ? await pool.query(`SELECT ${columns} FROM apikeys WHERE id = ${id}`)
        : await pool.execute(`SELECT ${columns} FROM apikeys WHERE id = ?`, [id]);
    found += rows.length;
}
const time = performance.now() - start;
console.log(`mysql2 ${mode}: ${found} rows in ${time.toFixed(1)} ms (${(time * 1000 / n).toFixed(1)} µs a select)`);
await pool.end();
