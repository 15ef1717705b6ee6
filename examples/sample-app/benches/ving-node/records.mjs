// README — ving's own record layer on node, for comparison with `benches/records.rs`.
//
// Runs ving's real VingKind/VingRecord code (the APIKey and User records of a checkout of
// plainblack/ving, imported from that checkout: nothing of ving is in this repository)
// against MariaDB, and measures the cases of the Rust bench `benches/records.rs`:
//
//   1. findMany of 10,000 API keys (records) vs drizzle's select of the same rows,
//      alternately (ving's `kind.select`, the query builder its records sit on),
//   2. describe of 1,000 API keys to their owner, with links, options and meta,
//   3. a describeList page of 100 (itemsPerPage 100, page 3; each item described to the
//      owner with links and meta),
//   4. describe of 1,000 Users to an admin, with links, options and meta (and again
//      followed by JSON.stringify: the JSON text `describe_to` writes),
//   5. describeList of 100 pages of 100 Users (to the admin), without includes and with
//      links, options and meta,
//
// each for 15 rounds (cases 5: 3), printing the best round as rows of the Rust bench's
// markdown table.
// Case 4 of the Rust bench (find_all of 1,000,000 records, peak RSS) is not run.
//
// Normally run through `scripts/bench-ving-node` (it checks the checkout, provides redis,
// creates and seeds the database). By hand, from anywhere:
//
//   export VING_CHECKOUT=/tmp/ving-checkout          # a ving checkout after `npm ci`
//   export VING_MYSQL=mysql://root:@127.0.0.1:3306/ving_node_bench
//   export VING_REDIS=redis://127.0.0.1:6390         # ving connects to redis on import
//   export VING_SKIPJACK_KEY=11,22,33,44,55,66,77,88,99,111
//   node records.mjs --setup         # drop + create the database, ving's migrations, seed
//   node records.mjs                 # the bench (--rounds N to change 15)
//   node records.mjs --describe-one  # ving's describe of API key 1 as JSON (sorted keys)
//
// --setup runs ving's drizzle migrations from `$VING_CHECKOUT/ving/drizzle/migrations`
// (what `ving drizzle --prepare` generates; the wrapper generates them if missing) and
// seeds like the Rust bench: user 1 `owner` (owner@example.com, minted by ving with ving's
// defaults), then 10,000 API keys in batches of 1,000 (name `key {i}`, privateKey `pk_` +
// i zero-padded to 36 digits, url `https://example.com/{i}`, reason `benchmark`, userId 1),
// user 2 `admin` (admin@example.com, admin), and 10,000 users in batches of 1,000
// (username `user{i}`, email `user{i}@example.com`, realName `User {i}`).
// It refuses a database whose name does not contain `bench`, as it drops it first.

import { createRequire } from 'node:module';
import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const KEYS = 10_000;
const DESCRIBE = 1_000;
const USERS = 10_000;

const die = (message) => {
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
};

const args = process.argv.slice(2);
const roundsAt = args.indexOf('--rounds');
const rounds = roundsAt >= 0 ? parseInt(args[roundsAt + 1], 10) : 15;
if (!(rounds > 0)) die('--rounds needs a positive number');

const checkout = process.env.VING_CHECKOUT ? path.resolve(process.env.VING_CHECKOUT) : '';
if (!checkout) die('set VING_CHECKOUT to a checkout of plainblack/ving');
if (!fs.existsSync(path.join(checkout, 'ving/record/VingRecord.mjs')))
    die(`${checkout} is not a ving checkout (no ving/record/VingRecord.mjs)`);
if (!fs.existsSync(path.join(checkout, 'node_modules/drizzle-orm')))
    die(`${checkout} has no node_modules: run (cd ${checkout} && npm ci)`);
for (const name of ['VING_MYSQL', 'VING_REDIS', 'VING_SKIPJACK_KEY'])
    if (!process.env[name]) die(`set ${name} (see the top of ${process.argv[1]})`);

// ving reads ./ving.json (getConfig, for the links' REST version) and ./.env relative to the
// working directory, as when it runs from its own root.
process.chdir(checkout);
const fromVing = (file) => import(pathToFileURL(path.join(checkout, file)).href);
const requireVing = createRequire(path.join(checkout, 'package.json'));

const dbUrl = new URL(process.env.VING_MYSQL);
const database = decodeURIComponent(dbUrl.pathname.slice(1));

async function setup() {
    if (!/^[A-Za-z0-9_]+$/.test(database) || !database.includes('bench'))
        die(`refusing to drop and recreate database '${database}': its name must contain 'bench'`);
    if (!fs.existsSync(path.join(checkout, 'ving/drizzle/migrations/meta/_journal.json')))
        die(`no migrations in ${checkout}/ving/drizzle/migrations: run (cd ${checkout} && npx drizzle-kit generate --dialect mysql --out ./ving/drizzle/migrations --schema ving/drizzle/schema)`);
    const mysql = (await import(pathToFileURL(requireVing.resolve('mysql2/promise')).href)).default;
    const con = await mysql.createConnection({
        host: dbUrl.hostname,
        port: parseInt(dbUrl.port || '3306', 10),
        user: decodeURIComponent(dbUrl.username),
        password: decodeURIComponent(dbUrl.password),
    });
    await con.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await con.query(`CREATE DATABASE \`${database}\``);
    await con.end();

    const { runMigrations } = await fromVing('ving/drizzle/migrate.mjs');
    await runMigrations();

    const { useKind } = await fromVing('ving/record/utils.mjs');
    const users = await useKind('User');
    const owner = await users.create({ username: 'owner', email: 'owner@example.com' });
    if (owner.get('id') !== 1) die(`the owner got id ${owner.get('id')}, not 1`);
    const keys = await useKind('APIKey');
    for (let first = 0; first < KEYS; first += 1000) {
        const batch = [];
        for (let i = first; i < Math.min(first + 1000, KEYS); i++)
            batch.push({
                name: `key ${i}`,
                privateKey: 'pk_' + String(i).padStart(36, '0'),
                url: `https://example.com/${i}`,
                reason: 'benchmark',
                userId: 1,
            });
        await keys.insert.values(batch);
    }
    const count = await keys.count();
    if (count !== KEYS) die(`seeded ${count} API keys, not ${KEYS}`);
    const admin = await users.create({ username: 'admin', email: 'admin@example.com', admin: true });
    if (admin.get('id') !== 2) die(`the admin got id ${admin.get('id')}, not 2`);
    for (let first = 0; first < USERS; first += 1000) {
        const batch = [];
        for (let i = first; i < Math.min(first + 1000, USERS); i++)
            batch.push({ username: `user${i}`, email: `user${i}@example.com`, realName: `User ${i}`, bio: "" });
        await users.insert.values(batch);
    }
    process.stderr.write(`seeded ${database}: users 1 (owner) and 2 (admin), ${count} API keys, ${await users.count()} users\n`);
}

const best = (times) => Math.min(...times);
const ms = (t) => t.toFixed(1);

async function bench() {
    const { useKind } = await fromVing('ving/record/utils.mjs');
    const keys = await useKind('APIKey');
    const owner = await (await useKind('User')).findOrDie(1);
    const backend = 'MySQL/MariaDB (ving on node)';
    const check = (what, got, want) => {
        if (got !== want) die(`${what}: got ${got}, want ${want} (run with --setup first?)`);
    };

    // 1. findMany vs drizzle's select, alternately.
    const records = [], rows = [];
    for (let r = 0; r < rounds; r++) {
        let start = performance.now();
        let found = await keys.findMany();
        records.push(performance.now() - start);
        check('findMany', found.length, KEYS);
        found = undefined;
        start = performance.now();
        found = await keys.select;
        rows.push(performance.now() - start);
        check('select', found.length, KEYS);
    }
    const [rec, row] = [best(records), best(rows)];
    console.log(`| ${backend} | find_many of ${KEYS} records vs select of the rows | ${ms(rec)} ms | ${ms(row)} ms | ${(rec / row).toFixed(3)} |`);

    // 2. describe of 1,000 records to their owner, with links, options and meta.
    const page = await keys.findMany(undefined, { limit: DESCRIBE });
    check('findMany limit', page.length, DESCRIBE);
    const params = { currentUser: owner, include: { links: true, options: true, meta: true } };
    let times = [];
    let sink = 0;
    for (let r = 0; r < rounds; r++) {
        const start = performance.now();
        for (const record of page) {
            const described = await record.describe(params);
            sink += described.props.id.length;
        }
        times.push(performance.now() - start);
    }
    const time = best(times);
    console.log(`| ${backend} | describe of ${page.length} records (links, options, meta) | ${ms(time)} ms | ${(time * 1000 / page.length).toFixed(1)} µs a record | |`);

    // 3. a describeList page of 100.
    const list = {
        itemsPerPage: 100,
        page: 3,
        objectParams: { currentUser: owner, include: { links: true, meta: true } },
    };
    times = [];
    for (let r = 0; r < rounds; r++) {
        const start = performance.now();
        const described = await keys.describeList(list);
        times.push(performance.now() - start);
        check('describeList items', described.items.length, 100);
        sink += described.items.length;
    }
    console.log(`| ${backend} | describe_list page of 100 (of ${KEYS}) | ${ms(best(times))} ms | | |`);

    // 4. describe of 1,000 Users to an admin, with links, options and meta.
    const users = await useKind('User');
    const admin = await users.findOrDie(2);
    check('admin', admin.get('admin'), true);
    const people = await users.findMany(undefined, { limit: DESCRIBE });
    check('findMany users', people.length, DESCRIBE);
    const full = { currentUser: admin, include: { links: true, options: true, meta: true } };
    times = [];
    for (let r = 0; r < rounds; r++) {
        const start = performance.now();
        for (const user of people) {
            const described = await user.describe(full);
            sink += described.props.id.length;
        }
        times.push(performance.now() - start);
    }
    const userTime = best(times);
    console.log(`| ${backend} | describe of ${people.length} Users to an admin (links, options, meta) | ${ms(userTime)} ms | ${(userTime * 1000 / people.length).toFixed(1)} µs a record | |`);
    // 4b. the same, then as JSON text (what is sent, and what describe_to writes).
    times = [];
    for (let r = 0; r < rounds; r++) {
        const start = performance.now();
        for (const user of people) {
            sink += JSON.stringify(await user.describe(full)).length;
        }
        times.push(performance.now() - start);
    }
    const textTime = best(times);
    console.log(`| ${backend} | describe of ${people.length} Users to an admin (links, options, meta), then JSON.stringify | ${ms(textTime)} ms | ${(textTime * 1000 / people.length).toFixed(1)} µs a record | |`);

    // 5. describeList of 100 pages of 100 Users, without includes and with them.
    for (const [what, include] of [['no includes', {}], ['links, options, meta', full.include]]) {
        times = [];
        for (let r = 0; r < Math.min(rounds, 3); r++) {
            const start = performance.now();
            for (let page = 1; page <= 100; page++) {
                const described = await users.describeList({
                    itemsPerPage: 100,
                    page,
                    objectParams: { currentUser: admin, include },
                });
                check('describeList users', described.items.length, 100);
                sink += described.items.length;
            }
            times.push(performance.now() - start);
        }
        console.log(`| ${backend} | describe_list of 100 pages of 100 Users (${what}) | ${ms(best(times))} ms | | |`);
    }
    if (sink < 0) console.log(sink);
}

async function describeOne() {
    const { useKind } = await fromVing('ving/record/utils.mjs');
    const owner = await (await useKind('User')).findOrDie(1);
    const key = await (await useKind('APIKey')).findOrDie(1);
    const out = await key.describe({ currentUser: owner, include: { links: true, options: true, meta: true } });
    const sorted = (v) => Array.isArray(v) ? v.map(sorted)
        : v instanceof Date ? v.toISOString()
        : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]))
        : v;
    console.log(JSON.stringify(sorted(out), null, 2));
}

let failed = false;
try {
    if (args.includes('--setup')) await setup();
    else if (args.includes('--describe-one')) await describeOne();
    else await bench();
} catch (e) {
    process.stderr.write(`error: ${e?.stack || e}\n`);
    failed = true;
} finally {
    // ving's own close: ends the mysql pool and the redis connection.
    const ving = (await fromVing('ving/index.mjs')).default;
    await ving.close().catch(() => {});
}
process.exit(failed ? 1 : 0);
