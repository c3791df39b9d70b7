// The official `openai` npm client against the server: the README's example (a streamed
// answer about a local NIfTI volume), a non-streaming call, and an error surfacing as the
// SDK's APIError.   node tests/e2e/openai_sdk_test.mjs HULUMED_BINARY MODEL_DIR MEDIA_ROOT
import OpenAI from 'openai';
import { startServer, stopServer } from './serve_process.mjs';

const [binary, model, mediaRoot] = process.argv.slice(2);
const { child, url } = await startServer(binary, model, ['--allow-local-files', mediaRoot, '--api-key', 'sesame']);
try {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sesame' });
  const models = await client.models.list();
  const id = models.data[0].id;

  const stream = await client.chat.completions.create({
    model: id, stream: true, max_tokens: 8, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: [
      { type: 'volume_url', volume_url: { url: 'nifti/f32.nii.gz', format: 'nifti', slices: 4, axis: 'axial' } },
      { type: 'text', text: 'Any findings?' }] }],
  });
  let text = '';
  let usage = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) usage = chunk.usage;
  }
  if (!usage || usage.completion_tokens < 1) throw new Error('no usage in the stream');
  console.log(`stream: ${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens, ${text.length} chars`);

  const reply = await client.chat.completions.create({
    model: id, max_tokens: 4, seed: 7, temperature: 0.8, top_p: 0.9, stop: ['\n'],
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }],
  });
  if (reply.object !== 'chat.completion' || typeof reply.choices[0].message.content !== 'string') throw new Error('bad reply');
  console.log(`reply: finish_reason ${reply.choices[0].finish_reason}`);

  try {
    await client.chat.completions.create({ model: id, messages: [{ role: 'user', content: [
      { type: 'image_url', image_url: { url: '../../../etc/passwd' } }] }] });
    throw new Error('a file outside the root was accepted');
  } catch (e) {
    if (!(e instanceof OpenAI.APIError) || e.status !== 403) throw e;
    console.log(`outside the root: ${e.status} ${e.message}`);
  }
  const wrongKey = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'wrong', maxRetries: 0 });
  await wrongKey.models.list().then(() => { throw new Error('wrong key accepted'); }, (e) => {
    if (e.status !== 401) throw e;
  });
  console.log('PASS');
} finally {
  await stopServer(child);
}
