// Converts a Hugging Face parquet file to the JSONL that `hulumed eval run` reads, through
// hyparquet (pinned in package-lock.json): hulumed has no parquet decoder of its own.
//
//   node tools/eval/parquet_to_jsonl.mjs IN.parquet [IN2.parquet ...] OUT.jsonl
//
// Several inputs (the shards of one split, test-00000-of-00002.parquet ...) are concatenated
// in the order given.
// Every row becomes one JSON object with the same fields. An embedded image (a struct
// {bytes, path}, as the datasets library stores them) is written next to OUT as
// images/<OUT stem>-<row>.<ext> and replaced by that relative path; int64 values become
// numbers. Output order is row order, so the sample indices match the parquet file's.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

const args = process.argv.slice(2)
const output = args.pop()
const inputs = args
if (!inputs.length || !output) {
  console.error('usage: node tools/eval/parquet_to_jsonl.mjs IN.parquet [IN2.parquet ...] OUT.jsonl')
  process.exit(2)
}

const rows = []
for (const input of inputs) {
  const bytes = readFileSync(input)
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  for (const row of await parquetReadObjects({ file, compressors, utf8: false })) rows.push(row)
}

const outDir = dirname(output)
const stem = basename(output, extname(output))
let images = 0

function imageExtension(data, path) {
  if (path && extname(path)) return extname(path).toLowerCase()
  if (data[0] === 0x89 && data[1] === 0x50) return '.png'
  if (data[0] === 0xff && data[1] === 0xd8) return '.jpg'
  return '.bin'
}

// Plain JSON values from what hyparquet returns (BigInt, Uint8Array, Date, nested objects).
function toJson(value, row) {
  if (typeof value === 'bigint') return Number(value)
  if (value instanceof Date) return value.toISOString()
  if (Array.isArray(value)) return value.map((v) => toJson(v, row))
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  if (value && typeof value === 'object') {
    if (value.bytes instanceof Uint8Array && 'path' in value) {
      const name = `${stem}-${row}${images ? `-${images}` : ''}${imageExtension(value.bytes, value.path)}`
      mkdirSync(join(outDir, 'images'), { recursive: true })
      writeFileSync(join(outDir, 'images', name), value.bytes)
      images += 1
      return `images/${name}`
    }
    const out = {}
    for (const [k, v] of Object.entries(value)) out[k] = toJson(v, row)
    return out
  }
  return value
}

const lines = rows.map((r, i) => {
  images = 0
  return JSON.stringify(toJson(r, i))
})
mkdirSync(outDir, { recursive: true })
writeFileSync(output, lines.join('\n') + (lines.length ? '\n' : ''))
console.error(`${inputs.join(', ')}: ${rows.length} rows -> ${output}`)
