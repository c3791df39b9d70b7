// The converter reproduces the committed JSONL (and extracted images) from every committed
// parquet fixture: the C++ loaders' input is what a user's conversion gives.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const root = join(repo, 'testdata', 'eval', 'benchmarks')
const converter = join(repo, 'tools', 'eval', 'parquet_to_jsonl.mjs')

function parquetFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? parquetFiles(join(dir, e.name)) : e.name.endsWith('.parquet') ? [join(dir, e.name)] : [])
}

for (const file of parquetFiles(root)) {
  test(`converts ${relative(root, file)}`, () => {
    // The fixture's JSONL sits in the benchmark (or subject) folder, above data/ if there is one.
    // It is named after the split, as the parquet file is (test-00000-of-00001.parquet -> test.jsonl).
    const folder = dirname(file).endsWith('/data') ? dirname(dirname(file)) : dirname(file)
    const jsonl = `${basename(file).split('-')[0]}.jsonl`
    const out = mkdtempSync(join(tmpdir(), 'hm-parquet-'))
    try {
      execFileSync('node', [converter, file, join(out, jsonl)], { stdio: 'pipe' })
      assert.equal(readFileSync(join(out, jsonl), 'utf8'), readFileSync(join(folder, jsonl), 'utf8'))
      if (existsSync(join(out, 'images')))
        for (const image of readdirSync(join(out, 'images')))
          assert.deepEqual(readFileSync(join(out, 'images', image)), readFileSync(join(folder, 'images', image)))
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
}

test('concatenates the shards of one split in the order given', () => {
  const shard = join(root, 'PATH_VQA', 'data', 'test-00000-of-00001.parquet')
  const out = mkdtempSync(join(tmpdir(), 'hm-parquet-'))
  try {
    execFileSync('node', [converter, shard, shard, join(out, 'test.jsonl')], { stdio: 'pipe' })
    const one = readFileSync(join(root, 'PATH_VQA', 'test.jsonl'), 'utf8').trim().split('\n')
    const both = readFileSync(join(out, 'test.jsonl'), 'utf8').trim().split('\n')
    assert.equal(both.length, 2 * one.length)
    assert.equal(both[0], one[0])
    // the second shard's rows continue the numbering, so their images do not overwrite the first's
    assert.equal(JSON.parse(both[one.length]).image, `images/test-${one.length}.jpg`)
    assert.equal(readdirSync(join(out, 'images')).length, 2 * one.length)
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
})
