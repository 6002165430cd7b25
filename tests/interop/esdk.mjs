#!/usr/bin/env node
// CLI wrapper around the AWS Encryption SDK for JavaScript, used by the C# interop tests.
// Usage: see README.md in this directory, or run without arguments.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import {
  buildClient,
  CommitmentPolicy,
  AlgorithmSuiteIdentifier,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
  RawRsaKeyringNode,
  MultiKeyringNode,
  KmsKeyringNode,
  buildAwsKmsMrkAwareStrictMultiKeyringNode,
  buildAwsKmsMrkAwareDiscoveryMultiKeyringNode,
  getClient,
  KMS,
} from '@aws-crypto/client-node';

// The AWS SDK warns once on stderr that future versions need Node 22; stderr here is one error line.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { encryptStream, decryptStream } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

const SUITES = {
  '0478': AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
  '0578': AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
};

const USAGE = `usage:
  node esdk.mjs encrypt --keyrings KEYRINGS.json --in PLAIN --out CIPHER [--ctx CTX.json] [--frame N] [--suite 0478|0578|default] [--kms-log LOG.json]
  node esdk.mjs decrypt --keyrings KEYRINGS.json --in CIPHER --out PLAIN [--expect-ctx CTX.json] [--kms-log LOG.json]
  node esdk.mjs selftest`;

// Exit code 2: bad command line or malformed KEYRINGS/CTX JSON. Exit code 1: the operation failed.
class UsageError extends Error {}

function parseArgs(argv, required, optional) {
  const opts = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : null;
    if (!name || ![...required, ...optional].includes(name)) throw new UsageError(`unknown argument ${argv[i]}`);
    if (i + 1 >= argv.length) throw new UsageError(`missing value for ${argv[i]}`);
    opts[name] = argv[i + 1];
  }
  for (const name of required) if (!(name in opts)) throw new UsageError(`missing --${name}`);
  return opts;
}

function readJson(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e.message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file} is not valid JSON: ${e.message}`);
  }
}

function readContext(file) {
  const ctx = readJson(file);
  const ok = ctx && typeof ctx === 'object' && !Array.isArray(ctx) && Object.values(ctx).every((v) => typeof v === 'string');
  if (!ok) throw new UsageError(`${file} must be a JSON object of string values`);
  return ctx;
}

function buildKeyring(entry, i) {
  const where = `keyring entry ${i}`;
  if (entry && (entry.type === 'aws-kms' || entry.type === 'aws-kms-discovery')) return buildKmsKeyring(entry, where);
  if (!entry || typeof entry.namespace !== 'string' || typeof entry.name !== 'string') {
    throw new UsageError(`${where}: needs string "namespace" and "name"`);
  }
  const ids = { keyNamespace: entry.namespace, keyName: entry.name };
  if (entry.type === 'aes') {
    if (typeof entry.keyHex !== 'string' || !/^[0-9a-fA-F]{64}$/.test(entry.keyHex)) {
      throw new UsageError(`${where}: "keyHex" must be 64 hex characters`);
    }
    return new RawAesKeyringNode({
      ...ids,
      // The SDK insists on a key that owns its whole ArrayBuffer (not a slice of Buffer's pool).
      unencryptedMasterKey: new Uint8Array(Buffer.from(entry.keyHex, 'hex')),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      // The SDK's default (false) orders the context with localeCompare when building the
      // wrapping AAD, which disagrees with the spec's UTF-8 byte order for keys like "B" vs "a".
      // Set "utf8Sorting": false in the entry to reproduce that legacy behaviour.
      utf8Sorting: entry.utf8Sorting ?? true,
    });
  }
  if (entry.type === 'rsa') {
    const { publicKeyPem: publicKey, privateKeyPem: privateKey } = entry;
    if (!publicKey && !privateKey) throw new UsageError(`${where}: needs "publicKeyPem" and/or "privateKeyPem"`);
    return new RawRsaKeyringNode({
      ...ids,
      rsaKey: { publicKey, privateKey },
      padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
    });
  }
  throw new UsageError(`${where}: unknown type ${JSON.stringify(entry.type)}`);
}

// ---------------------------------------------------------------------------------------------
// AWS KMS keyrings

// Every KMS call the keyrings of this run made, in order (written to --kms-log). Never key material.
const kmsCalls = [];

const isStringArray = (v) => Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0);

// A client supplier as the SDK's own getClient makes one: a KMS client per region (the region of the key's ARN).
// "endpoint" overrides where it connects (else the AWS SDK's chain: AWS_ENDPOINT_URL_KMS, ...); "credentials"
// gives static credentials (else the chain: AWS_ACCESS_KEY_ID, profiles, ...). Each client records its calls.
function kmsClientProvider(entry, where) {
  const config = {};
  if (entry.endpoint !== undefined) {
    if (typeof entry.endpoint !== 'string' || !/^https?:\/\/\S+$/.test(entry.endpoint)) throw new UsageError(`${where}: "endpoint" must be an http(s) URL`);
    config.endpoint = entry.endpoint;
  }
  if (entry.credentials !== undefined) {
    const c = entry.credentials;
    if (!c || typeof c.accessKeyId !== 'string' || typeof c.secretAccessKey !== 'string') {
      throw new UsageError(`${where}: "credentials" needs string "accessKeyId" and "secretAccessKey"`);
    }
    config.credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
  }
  const supplier = getClient(KMS, config);
  return (region) => {
    const client = supplier(region);
    if (client) for (const op of ['generateDataKey', 'encrypt', 'decrypt']) recordCalls(client, op, region);
    return client;
  };
}

function recordCalls(client, op, region) {
  const call = client[op].bind(client);
  client[op] = async (input, ...rest) => {
    const record = {
      operation: op[0].toUpperCase() + op.slice(1),
      region,
      keyId: input.KeyId ?? null,
      encryptionContext: input.EncryptionContext ?? {},
    };
    kmsCalls.push(record);
    try {
      const response = await call(input, ...rest);
      record.responseKeyId = response.KeyId ?? null;
      return response;
    } catch (e) {
      record.error = e?.name ?? 'Error';
      throw e;
    }
  };
}

// {"type":"aws-kms","generatorKeyId":ARN,"keyIds":[ARN...]}: the SDK's KmsKeyringNode (strict on decrypt: only
// EDKs of the listed key ARNs), or with "mrkAware": true the multi-Region-key-aware strict multi-keyring.
// {"type":"aws-kms-discovery","accountIds":[...],"partition":"aws"}: discovery (decrypt only), KmsKeyringNode with a
// discovery filter, or with "mrkAware": true the MRK-aware discovery multi-keyring for "regions" (default: the
// region of AWS_REGION, else us-east-1).
function buildKmsKeyring(entry, where) {
  const known = entry.type === 'aws-kms'
    ? ['type', 'generatorKeyId', 'keyIds', 'endpoint', 'credentials', 'mrkAware', 'grantTokens']
    : ['type', 'accountIds', 'partition', 'endpoint', 'credentials', 'mrkAware', 'regions', 'grantTokens'];
  for (const k of Object.keys(entry)) if (!known.includes(k)) throw new UsageError(`${where}: unknown field ${JSON.stringify(k)} for ${entry.type}`);
  if (entry.grantTokens !== undefined && !isStringArray(entry.grantTokens)) throw new UsageError(`${where}: "grantTokens" must be an array of strings`);
  const clientProvider = kmsClientProvider(entry, where);
  const grantTokens = entry.grantTokens;
  if (entry.type === 'aws-kms') {
    const { generatorKeyId } = entry;
    const keyIds = entry.keyIds ?? [];
    if (generatorKeyId !== undefined && (typeof generatorKeyId !== 'string' || !generatorKeyId)) throw new UsageError(`${where}: "generatorKeyId" must be a string`);
    if (!isStringArray(keyIds)) throw new UsageError(`${where}: "keyIds" must be an array of strings`);
    if (!generatorKeyId && keyIds.length === 0) throw new UsageError(`${where}: needs "generatorKeyId" and/or "keyIds"`);
    try {
      return entry.mrkAware
        ? buildAwsKmsMrkAwareStrictMultiKeyringNode({ clientProvider, generatorKeyId, keyIds, grantTokens })
        : new KmsKeyringNode({ clientProvider, generatorKeyId, keyIds, grantTokens });
    } catch (e) {
      throw new UsageError(`${where}: ${e.message}`);
    }
  }
  let discoveryFilter;
  if (entry.accountIds !== undefined || entry.partition !== undefined) {
    if (!isStringArray(entry.accountIds) || entry.accountIds.length === 0) throw new UsageError(`${where}: "accountIds" must be a non-empty array of strings`);
    const partition = entry.partition ?? 'aws';
    if (typeof partition !== 'string' || !partition) throw new UsageError(`${where}: "partition" must be a string`);
    discoveryFilter = { accountIDs: entry.accountIds, partition };
  }
  try {
    if (entry.mrkAware) {
      const regions = entry.regions ?? [process.env.AWS_REGION || 'us-east-1'];
      if (!isStringArray(regions) || regions.length === 0) throw new UsageError(`${where}: "regions" must be a non-empty array of strings`);
      return buildAwsKmsMrkAwareDiscoveryMultiKeyringNode({ clientProvider, regions, discoveryFilter, grantTokens });
    }
    if (entry.regions !== undefined) throw new UsageError(`${where}: "regions" needs "mrkAware": true`);
    return new KmsKeyringNode({ clientProvider, discovery: true, discoveryFilter, grantTokens });
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError(`${where}: ${e.message}`);
  }
}

function writeKmsLog(file) {
  if (file) fs.writeFileSync(file, JSON.stringify(kmsCalls, null, 1));
}

function readKeyring(file) {
  const entries = readJson(file);
  if (!Array.isArray(entries) || entries.length === 0) throw new UsageError(`${file} must be a non-empty JSON array`);
  const rings = entries.map(buildKeyring);
  if (rings.length === 1) return rings[0];
  return new MultiKeyringNode({ generator: rings[0], children: rings.slice(1) });
}

function parseEncryptArgs(argv) {
  const o = parseArgs(argv, ['keyrings', 'in', 'out'], ['ctx', 'frame', 'suite', 'kms-log']);
  const suite = o.suite ?? '0478';
  // "default": no suite given, so the SDK picks its own default (0578 in this version).
  if (suite !== 'default' && !(suite in SUITES)) throw new UsageError(`--suite must be 0478, 0578 or default`);
  const frame = o.frame === undefined ? 4096 : Number(o.frame);
  if (!/^\d+$/.test(o.frame ?? '4096') || frame < 1 || frame > 0xffffffff) {
    throw new UsageError(`--frame must be an integer in 1..4294967295`);
  }
  return {
    keyring: readKeyring(o.keyrings),
    input: o.in,
    output: o.out,
    encryptionContext: o.ctx ? readContext(o.ctx) : {},
    frameLength: frame,
    suiteId: suite === 'default' ? undefined : SUITES[suite],
    kmsLog: o['kms-log'],
  };
}

function parseDecryptArgs(argv) {
  const o = parseArgs(argv, ['keyrings', 'in', 'out'], ['expect-ctx', 'kms-log']);
  return {
    keyring: readKeyring(o.keyrings),
    input: o.in,
    output: o.out,
    expectContext: o['expect-ctx'] ? readContext(o['expect-ctx']) : null,
    kmsLog: o['kms-log'],
  };
}

async function encryptFile({ keyring, input, output, encryptionContext, frameLength, suiteId }) {
  const enc = encryptStream(keyring, suiteId === undefined ? { encryptionContext, frameLength } : { suiteId, encryptionContext, frameLength });
  await pipeline(fs.createReadStream(input), enc, fs.createWriteStream(output));
}

// Resolves to the summary the CLI prints; rejects (leaving --out for the caller to delete) on failure.
async function decryptFile({ keyring, input, output, expectContext }) {
  const dec = decryptStream(keyring);
  let header = null;
  dec.once('MessageHeader', (h) => {
    header = h;
    for (const [k, v] of Object.entries(expectContext ?? {})) {
      if (h.encryptionContext[k] !== v) {
        // Abort before any plaintext is released.
        dec.destroy(new Error(`encryption context mismatch for key ${JSON.stringify(k)}`));
        return;
      }
    }
  });
  await pipeline(fs.createReadStream(input), dec, fs.createWriteStream(output));
  if (!header) throw new Error('no message header was parsed');
  return { suiteId: header.suiteId, encryptionContext: header.encryptionContext, frameLength: header.frameLength };
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === 'selftest') {
    if (rest.length) throw new UsageError('selftest takes no arguments');
    await selftest();
    console.log('selftest ok');
    return;
  }
  if (command !== 'encrypt' && command !== 'decrypt') throw new UsageError(command ? `unknown command ${command}` : 'no command');
  const opts = command === 'encrypt' ? parseEncryptArgs(rest) : parseDecryptArgs(rest);
  pendingOutput = opts.output;
  pendingKmsLog = opts.kmsLog;
  if (command === 'encrypt') {
    await encryptFile(opts);
  } else {
    const summary = await decryptFile(opts);
    process.stdout.write(JSON.stringify(summary) + '\n');
  }
  pendingOutput = null;
}

// ---------------------------------------------------------------------------------------------
// selftest

function check(cond, what) {
  if (!cond) throw new Error(`selftest: ${what}`);
}

// Walks a v2 message (header layout per the message-format spec) and lists its body frames.
function frames(buf) {
  let p = 0;
  const u16 = () => buf.readUInt16BE((p += 2) - 2);
  const u32 = () => buf.readUInt32BE((p += 4) - 4);
  const skipField = () => { const n = u16(); p += n; }; // (`p += u16()` would read p before u16 moves it)
  check(buf[p++] === 2, 'message version is not 2');
  const suiteId = u16();
  p += 32; // message id
  skipField(); // serialized encryption context
  for (let edks = u16(); edks > 0; edks--) for (let f = 0; f < 3; f++) skipField(); // provider id, info, ciphertext
  check(buf[p++] === 2, 'content type is not framed');
  const frameLength = u32();
  p += 32 + 16; // commitment key, header auth tag
  const list = [];
  for (;;) {
    const seqOrFinal = u32();
    const final = seqOrFinal === 0xffffffff;
    const seq = final ? u32() : seqOrFinal;
    const iv = buf.subarray(p, (p += 12));
    check(iv.readUInt32BE(8) === seq && iv.subarray(0, 8).every((b) => b === 0), `frame ${seq} iv is not its sequence number`);
    const length = final ? u32() : frameLength;
    p += length + 16;
    list.push({ seq, final, length });
    if (final) break;
  }
  if (suiteId === SUITES['0578']) skipField(); // signature footer
  check(p === buf.length, `message has ${buf.length - p} unexpected trailing bytes`);
  return { suiteId, frameLength, list };
}

function expectedFrames(size, frameLength) {
  const full = Math.floor(size / frameLength);
  const list = [];
  for (let i = 1; i <= full; i++) list.push({ seq: i, final: false, length: frameLength });
  list.push({ seq: full + 1, final: true, length: size % frameLength }); // final frame may be empty
  return list;
}

async function rejects(promise, what) {
  try {
    await promise;
  } catch {
    return;
  }
  throw new Error(`selftest: ${what} was not rejected`);
}

async function selftest() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'esdk-selftest-'));
  try {
    await runSelftest(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function runSelftest(dir) {
  const file = (name) => path.join(dir, name);
  const writeJson = (name, value) => (fs.writeFileSync(file(name), JSON.stringify(value)), file(name));
  const hexKey = () => crypto.randomBytes(32).toString('hex');
  const rsa = crypto.generateKeyPairSync('rsa', {
    modulusLength: 3072,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const aes1 = { type: 'aes', namespace: 'selftest', name: 'aes-1', keyHex: hexKey() };
  const aes2 = { type: 'aes', namespace: 'selftest', name: 'aes-2', keyHex: hexKey() };
  const rsaPub = { type: 'rsa', namespace: 'selftest', name: 'rsa-1', publicKeyPem: rsa.publicKey };
  const rsaPriv = { type: 'rsa', namespace: 'selftest', name: 'rsa-1', privateKeyPem: rsa.privateKey };
  const rsaBoth = { ...rsaPub, ...rsaPriv };
  const aes1Wrong = { ...aes1, keyHex: hexKey() };

  // Each encrypt set comes with the decrypt sets that must (ok) or must not (bad) open its messages.
  const sets = [
    { enc: [aes1], ok: [[aes1], [aes2, aes1]], bad: [[aes2], [aes1Wrong]] },
    { enc: [rsaPub], ok: [[rsaPriv], [rsaBoth]], bad: [[aes1]] },
    { enc: [aes1, rsaPub, aes2], ok: [[aes1], [rsaPriv], [aes2], [aes1Wrong, rsaPriv]], bad: [[aes1Wrong]] },
    { enc: [rsaBoth, aes2], ok: [[rsaPriv], [aes2]], bad: [] },
  ].map((s) => ({ enc: readKeyring(writeJson('k.json', s.enc)), ok: s.ok.map((k) => readKeyring(writeJson('k.json', k))), bad: s.bad.map((k) => readKeyring(writeJson('k.json', k))) }));

  // "B" < "a" in UTF-8 byte order but not in localeCompare order; see the utf8Sorting note above.
  const contexts = [{}, { purpose: 'selftest', B: 'upper', a: 'lower', 'ключ': 'значение', '🔑': '✓' }];
  const sizes = [0, 1, 4095, 4096, 4097, 3 * 1024 * 1024];
  const plain = file('plain'), cipher = file('cipher'), out = file('out');
  let runs = 0;

  for (const size of sizes) {
    const data = crypto.randomBytes(size);
    fs.writeFileSync(plain, data);
    for (const [suite, suiteId] of Object.entries(SUITES)) {
      for (const encryptionContext of contexts) {
        for (const [si, set] of sets.entries()) {
          runs++;
          const tag = `size ${size} suite ${suite} ctx ${Object.keys(encryptionContext).length} keyrings ${si}`;
          await encryptFile({ keyring: set.enc, input: plain, output: cipher, encryptionContext, frameLength: 4096, suiteId });
          const ct = fs.readFileSync(cipher);
          const shape = frames(ct);
          check(shape.suiteId === suiteId, `${tag}: suite id in header`);
          check(JSON.stringify(shape.list) === JSON.stringify(expectedFrames(size, 4096)), `${tag}: unexpected framing`);

          for (const keyring of set.ok) {
            const summary = await decryptFile({ keyring, input: cipher, output: out, expectContext: encryptionContext });
            check(fs.readFileSync(out).equals(data), `${tag}: plaintext mismatch`);
            check(summary.suiteId === suiteId && summary.frameLength === 4096, `${tag}: summary ${JSON.stringify(summary)}`);
            check(('aws-crypto-public-key' in summary.encryptionContext) === (suite === '0578'), `${tag}: signing key in context`);
          }
          for (const keyring of set.bad) {
            await rejects(decryptFile({ keyring, input: cipher, output: out }), `${tag}: wrong keyring`);
          }
          await rejects(decryptFile({ keyring: set.ok[0], input: cipher, output: out, expectContext: { purpose: 'other' } }), `${tag}: wrong context`);

          // Flip one bit in the header, the middle, and the last byte; then truncate.
          for (const at of [40, Math.floor(ct.length / 2), ct.length - 1]) {
            const bad = Buffer.from(ct);
            bad[at] ^= 0x01;
            fs.writeFileSync(file('tampered'), bad);
            await rejects(decryptFile({ keyring: set.ok[0], input: file('tampered'), output: out }), `${tag}: flipped byte at ${at}`);
          }
          for (const cut of [1, 17]) {
            fs.writeFileSync(file('tampered'), ct.subarray(0, ct.length - cut));
            await rejects(decryptFile({ keyring: set.ok[0], input: file('tampered'), output: out }), `${tag}: truncated by ${cut}`);
          }
        }
      }
    }
  }
  check(runs > 0, 'nothing ran');
  await cliChecks(dir, writeJson, [aes1]);
}

// Runs the real CLI as a child process to check output, exit codes and partial-output cleanup.
async function cliChecks(dir, writeJson, keyrings) {
  const self = fileURLToPath(import.meta.url);
  const file = (name) => path.join(dir, name);
  const cli = (...args) => spawnSync(process.execPath, [self, ...args], { encoding: 'utf8' });
  const kr = writeJson('cli-keyrings.json', keyrings);
  const ctx = writeJson('cli-ctx.json', { who: 'cli' });
  const data = crypto.randomBytes(100_000);
  fs.writeFileSync(file('cli-plain'), data);

  let r = cli('encrypt', '--keyrings', kr, '--in', file('cli-plain'), '--out', file('cli-cipher'), '--ctx', ctx, '--frame', '1000', '--suite', '0578');
  check(r.status === 0 && r.stdout === '', `cli encrypt: ${r.status} ${r.stderr}`);
  r = cli('decrypt', '--keyrings', kr, '--in', file('cli-cipher'), '--out', file('cli-out'), '--expect-ctx', ctx);
  check(r.status === 0 && r.stdout.trim().split('\n').length === 1, `cli decrypt: ${r.status} ${r.stderr}`);
  const summary = JSON.parse(r.stdout);
  check(summary.suiteId === 0x0578 && summary.frameLength === 1000 && summary.encryptionContext.who === 'cli', `cli summary ${r.stdout}`);
  check(fs.readFileSync(file('cli-out')).equals(data), 'cli plaintext mismatch');

  // A flipped byte near the end fails only after earlier frames were written: the output must be removed.
  const bad = fs.readFileSync(file('cli-cipher'));
  bad[bad.length - 200] ^= 0x80;
  fs.writeFileSync(file('cli-bad'), bad);
  r = cli('decrypt', '--keyrings', kr, '--in', file('cli-bad'), '--out', file('cli-out'));
  check(r.status === 1 && r.stdout === '' && r.stderr.trim().split('\n').length === 1, `cli tamper: ${r.status} ${r.stderr}`);
  check(!fs.existsSync(file('cli-out')), 'cli tamper left partial output');

  r = cli('decrypt', '--keyrings', kr, '--in', file('cli-cipher'), '--out', file('cli-out'), '--expect-ctx', writeJson('cli-ctx2.json', { who: 'else' }));
  check(r.status === 1 && !fs.existsSync(file('cli-out')), `cli expect-ctx mismatch: ${r.status}`);

  for (const args of [[], ['frobnicate'], ['encrypt', '--in', 'x'], ['encrypt', '--keyrings', kr, '--in', 'a', '--out', 'b', '--suite', '0178'], ['decrypt', '--bogus', '1']]) {
    r = cli(...args);
    check(r.status === 2, `cli usage ${JSON.stringify(args)} exited ${r.status}`);
  }
}

let pendingOutput = null; // --out of the running command, removed if the command fails
let pendingKmsLog = null; // --kms-log of the running command, written whether it succeeds or fails
let failed = false;

function fail(e) {
  if (failed) return; // report only the first error
  failed = true;
  // Only regular files: never unlink a device such as /dev/null given as --out.
  if (pendingOutput && fs.lstatSync(pendingOutput, { throwIfNoEntry: false })?.isFile()) fs.rmSync(pendingOutput);
  try { writeKmsLog(pendingKmsLog); } catch { /* the error below is the one to report */ }
  process.stderr.write(`esdk: ${String(e?.message ?? e).replace(/\s+/g, ' ').trim()}\n`);
  if (e instanceof UsageError) process.stderr.write(`${USAGE}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
}

// encryptStream pipes its inner streams without an error callback, so when our pipeline tears it
// down early (e.g. --out cannot be opened) the SDK throws "Premature close" outside any promise.
// Defer it so the pipeline's own, more telling, rejection is reported first when there is one.
process.on('uncaughtException', (e) => setImmediate(() => fail(e)));

try {
  await main(process.argv.slice(2));
  if (!failed) writeKmsLog(pendingKmsLog);
} catch (e) {
  fail(e);
}
