// The browser side of `hulumed serve`: attach a medical image, video or volume, ask, and
// read the answer as it streams from /v1/chat/completions (OpenAI SSE). Volumes are shown
// with NiiVue as slices one scrolls through; the server gets the same file as a data: URI.
import { Niivue, SLICE_TYPE } from '@niivue/niivue';

const $ = (id) => document.getElementById(id);
const history = [];  // OpenAI messages of this conversation
let attachment = null;  // {kind, dataUrl, name}
let niivue = null;
// Sent with every request of a chat, so a load balancer in front of several replicas keeps the
// chat on the one that holds its cached prefix (deploy/haproxy.cfg).
// (crypto.randomUUID needs a secure context, which a plain-http hospital host is not.)
const newSessionId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
let sessionId = newSessionId();

function headers() {
  const h = { 'Content-Type': 'application/json', 'X-Session-Id': sessionId };
  const key = $('api-key').value.trim();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

function kindOf(file) {
  const chosen = $('kind').value;
  if (chosen !== 'auto') return chosen;
  const name = file.name.toLowerCase();
  if (name.endsWith('.nii') || name.endsWith('.nii.gz')) return 'nifti';
  if (name.endsWith('.dcm')) return 'dicom';
  if (file.type.startsWith('video/')) return 'video';
  return 'image';
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function showVolume(file) {
  $('preview-volume').hidden = false;
  if (!niivue) {
    niivue = new Niivue({ show3Dcrosshair: false, backColor: [0, 0, 0, 1], isResizeCanvas: true });
    await niivue.attachTo('volume-canvas');
    niivue.onLocationChange = (loc) => { $('volume-slice').value = loc.frac[2]; };
    $('volume-slice').addEventListener('input', (e) => {
      const frac = niivue.scene.crosshairPos;
      niivue.scene.crosshairPos = [frac[0], frac[1], Number(e.target.value)];
      niivue.drawScene();
    });
  }
  await niivue.loadFromFile(file);
  niivue.setSliceType(SLICE_TYPE.AXIAL);
}

async function attach(file) {
  for (const id of ['preview-image', 'preview-video', 'preview-volume']) $(id).hidden = true;
  $('preview-empty').hidden = true;
  const kind = kindOf(file);
  const dataUrl = await readAsDataUrl(file);
  attachment = { kind, dataUrl, name: file.name };
  $('file-name').textContent = `${file.name} (${kind})`;
  if (kind === 'image') {
    $('preview-image').src = dataUrl;
    $('preview-image').hidden = false;
  } else if (kind === 'video') {
    $('preview-video').src = URL.createObjectURL(file);
    $('preview-video').hidden = false;
  } else if (kind === 'nifti') {
    await showVolume(file).catch((e) => addMessage('error', `cannot show this volume: ${e.message}`));
  } else {
    $('preview-empty').textContent = `${file.name}: DICOM is sent to the model; no preview.`;
    $('preview-empty').hidden = false;
  }
}

function mediaPart(a) {
  if (a.kind === 'pacs') return { type: 'volume_url', volume_url: { url: a.url, format: 'dicom' } };
  if (a.kind === 'image') return { type: 'image_url', image_url: { url: a.dataUrl } };
  if (a.kind === 'video') return { type: 'video_url', video_url: { url: a.dataUrl, fps: 1 } };
  return { type: 'volume_url', volume_url: { url: a.dataUrl, format: a.kind } };
}

function addMessage(role, text) {
  const div = document.createElement('div');
  div.className = `msg ${role}`;
  div.append(document.createTextNode(text));
  $('chat').append(div);
  $('chat').scrollTop = $('chat').scrollHeight;
  return div;
}

function describe(usage, timings, seconds) {
  const parts = [`${usage.prompt_tokens} prompt tokens`];
  if (usage.prompt_tokens_details?.cached_tokens) parts.push(`${usage.prompt_tokens_details.cached_tokens} cached`);
  if (timings?.visual_tokens) parts.push(`${timings.visual_tokens} visual`);
  parts.push(`${usage.completion_tokens} generated`);
  if (timings) {
    parts.push(`vision ${timings.vision_ms.toFixed(0)} ms`, `prefill ${timings.prefill_ms.toFixed(0)} ms`,
               `decode ${timings.decode_tokens_per_second.toFixed(1)} tok/s`);
  }
  parts.push(`total ${seconds.toFixed(2)} s`);
  return parts.join(' · ');
}

// Reads an SSE body and calls onEvent for each parsed `data:` payload until [DONE].
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') return;
        onEvent(JSON.parse(data));
      }
    }
  }
}

async function ask(question) {
  const content = [];
  if (attachment) content.push(mediaPart(attachment));
  content.push({ type: 'text', text: question });
  addMessage('user', attachment ? `[${attachment.name}] ${question}` : question);
  const user = { role: 'user', content };
  const answer = addMessage('assistant', '');
  answer.dataset.state = 'streaming';
  answer.dataset.events = 0;  // SSE events read, for the end-to-end test
  const text = document.createTextNode('');
  answer.replaceChildren(text);
  const started = performance.now();
  const response = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ messages: [...history, user], stream: true, stream_options: { include_usage: true } }),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    answer.className = 'msg error';
    text.data = body.error?.message ?? `HTTP ${response.status}`;
    answer.dataset.state = 'error';
    return;
  }
  let usage = null;
  let timings = null;
  await readEvents(response.body, (event) => {
    if (event.error) throw new Error(event.error.message);
    answer.dataset.events = Number(answer.dataset.events) + 1;
    const delta = event.choices?.[0]?.delta?.content;
    if (delta) {
      text.data += delta;
      $('chat').scrollTop = $('chat').scrollHeight;
    }
    if (event.usage) ({ usage, timings } = event);
  });
  const seconds = (performance.now() - started) / 1000;
  if (usage) {
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = describe(usage, timings, seconds);
    answer.append(meta);
    $('stats').textContent = meta.textContent;
  }
  answer.dataset.state = 'done';
  // Later turns keep the media in the history, so the server can reuse the cached prefix.
  history.push(user, { role: 'assistant', content: text.data });
  attachment = null;
  $('file-name').textContent = '';
}

// The server sees the whole history each turn; a new chat starts it over (and mixing a
// small image with a volume in one conversation can exceed the model's pixel budget).
$('new-chat').addEventListener('click', () => {
  history.length = 0;
  sessionId = newSessionId();
  $('chat').replaceChildren();
});
$('file').addEventListener('change', (e) => {
  if (e.target.files.length) attach(e.target.files[0]).catch((err) => addMessage('error', err.message));
});
$('ask').addEventListener('submit', async (e) => {
  e.preventDefault();
  const question = $('question').value.trim();
  if (!question) return;
  $('question').value = '';
  $('send').disabled = true;
  try {
    await ask(question);
  } catch (err) {
    addMessage('error', err.message);
  } finally {
    $('send').disabled = false;
  }
});
// The server's PACS (serve --dicomweb): studies to pick a series from, beside file upload.
async function listStudies() {
  const patient = $('pacs-patient').value.trim();
  const query = patient ? `?PatientName=${encodeURIComponent(patient)}` : '';
  const response = await fetch(`/v1/pacs/studies${query}`, { headers: headers() });
  if (!response.ok) return false;
  const rows = (await response.json()).data.map((study) => {
    const tr = document.createElement('tr');
    for (const value of [study.patient_name, study.date, study.modalities, study.description]) {
      const td = document.createElement('td');
      td.textContent = value;
      tr.append(td);
    }
    tr.addEventListener('click', () => {
      for (const other of tr.parentNode.children) other.classList.toggle('chosen', other === tr);
      listSeries(study).catch((err) => addMessage('error', err.message));
    });
    return tr;
  });
  $('pacs-studies').tBodies[0].replaceChildren(...rows);
  $('pacs-series').replaceChildren();
  return true;
}

async function listSeries(study) {
  const response = await fetch(`/v1/pacs/studies/${study.uid}/series`, { headers: headers() });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  const items = body.data.map((series) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = `${series.modality} · ${series.description || 'series ' + series.number} · ${series.instances} images`;
    button.addEventListener('click', () => {
      for (const other of $('pacs-series').querySelectorAll('button')) other.classList.toggle('chosen', other === button);
      const name = `${study.patient_name} ${study.date} ${series.description || series.modality}`;
      attachment = { kind: 'pacs', url: series.url, name };
      $('file-name').textContent = `${name} (PACS)`;
      for (const id of ['preview-image', 'preview-video', 'preview-volume']) $(id).hidden = true;
      $('preview-empty').textContent = `${name}: the server fetches this series from the PACS; no preview.`;
      $('preview-empty').hidden = false;
    });
    li.append(button);
    return li;
  });
  $('pacs-series').replaceChildren(...items);
}

$('pacs-patient').addEventListener('change', () => listStudies().catch((err) => addMessage('error', err.message)));
listStudies().then((configured) => { $('pacs').hidden = !configured; }).catch(() => {});

fetch('/v1/models', { headers: headers() })
  .then((r) => r.json())
  .then((m) => { $('model').textContent = m.data?.[0]?.id ?? ''; })
  .catch(() => {});
