// Writes the small benchmark fixtures under testdata/eval/benchmarks/, each in the format
// its benchmark is published in (JSONL, JSON, CSV, Hugging Face parquet with embedded
// images), then converts the parquet ones with parquet_to_jsonl.mjs as a user would.
//
//   node tools/eval/make_fixtures.mjs
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parquetWriteFile } from 'hyparquet-writer'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const root = join(repo, 'testdata', 'eval', 'benchmarks')
const png = join(repo, 'testdata', 'media', 'images', 'gray.png')
const jpg = join(repo, 'testdata', 'media', 'images', 'gray.jpg')
rmSync(root, { recursive: true, force: true })

function write(path, text) {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}
function copy(from, path) {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  copyFileSync(from, join(root, path))
}
const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n'
const str = (name) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' })
const strList = (name) => [
  { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
]
function parquet(path, schema, columnData) {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  parquetWriteFile({ filename: join(root, path), schema, columnData, statistics: false })
}
function convert(parquetPath, jsonlPath) {
  execFileSync('node', [join(repo, 'tools', 'eval', 'parquet_to_jsonl.mjs'), join(root, parquetPath), join(root, jsonlPath)])
}

// MedQA-USMLE (GBaker/MedQA-USMLE-4-options): JSONL as published.
write('MedQA_USMLE/test.jsonl', jsonl([
  { question: 'A 23-year-old woman has burning on urination. Which drug is best?', answer: 'Nitrofurantoin',
    options: { A: 'Ampicillin', B: 'Ceftriaxone', C: 'Doxycycline', D: 'Nitrofurantoin' }, meta_info: 'step2&3',
    answer_idx: 'D', metamap_phrases: ['23 year old woman'] },
  { question: 'Which vitamin deficiency causes scurvy?', answer: 'Vitamin C',
    options: { A: 'Vitamin C', B: 'Vitamin D', C: 'Vitamin K', D: 'Thiamine' }, meta_info: 'step1',
    answer_idx: 'A', metamap_phrases: [] },
  { question: 'Ünïcode: which nerve innervates the deltoid?', answer: 'Axillary nerve',
    options: { A: 'Radial nerve', B: 'Axillary nerve', C: 'Ulnar nerve', D: 'Median nerve' }, meta_info: 'step1',
    answer_idx: 'B', metamap_phrases: [] },
]))

// PubMedQA (openlifescienceai/pubmedqa): parquet with a nested "data" struct.
const pubmed = [
  { id: '21645374', subject_name: '', data: { Context: ['Programmed cell death occurs in plants.', 'Lace plant leaves perforate.'],
    'Correct Answer': 'yes', 'Correct Option': 'A', Options: { A: 'yes', B: 'no', C: 'maybe' },
    Question: 'Do mitochondria play a role in remodelling lace plant leaves?' } },
  { id: '16418930', subject_name: '', data: { Context: ['A landmark study of outcomes.'],
    'Correct Answer': 'no', 'Correct Option': 'B', Options: { A: 'yes', B: 'no', C: 'maybe' },
    Question: 'Is the outcome improved?' } },
  { id: '9488747', subject_name: '', data: { Context: ['Mixed evidence, "quoted", with commas.'],
    'Correct Answer': 'maybe', 'Correct Option': 'C', Options: { A: 'yes', B: 'no', C: 'maybe' },
    Question: 'Does the intervention help?' } },
]
parquet('PubMedQA/data/test-00000-of-00001.parquet', [
  { name: 'root', num_children: 3 },
  str('id'), str('subject_name'),
  { name: 'data', repetition_type: 'OPTIONAL', num_children: 5 },
  ...strList('Context'), str('Correct Answer'), str('Correct Option'),
  { name: 'Options', repetition_type: 'OPTIONAL', num_children: 3 }, str('A'), str('B'), str('C'),
  str('Question'),
], [
  { name: 'id', data: pubmed.map((r) => r.id) },
  { name: 'subject_name', data: pubmed.map((r) => r.subject_name) },
  { name: 'data', data: pubmed.map((r) => r.data) },
])
convert('PubMedQA/data/test-00000-of-00001.parquet', 'PubMedQA/test.jsonl')

// MMLU (cais/mmlu): one parquet per subject, choices a list, answer an int64 index.
const subjects = ['anatomy', 'clinical_knowledge', 'college_biology', 'college_medicine', 'medical_genetics',
  'professional_medicine', 'nutrition', 'virology', 'high_school_biology']
subjects.forEach((subject, s) => {
  const rows = [{ question: `Question ${s + 1} about ${subject.replaceAll('_', ' ')}?`, subject,
    choices: ['first', 'second', 'third', 'fourth'], answer: BigInt(s % 4) }]
  if (subject === 'anatomy') rows.push({ question: 'Which bone is in the thigh?', subject, choices: ['Femur', 'Ulna', 'Tibia', 'Radius'], answer: 0n })
  parquet(`MMLU/${subject}/test-00000-of-00001.parquet`, [
    { name: 'root', num_children: 4 }, str('question'), str('subject'), ...strList('choices'),
    { name: 'answer', type: 'INT64', repetition_type: 'OPTIONAL' },
  ], [
    { name: 'question', data: rows.map((r) => r.question) },
    { name: 'subject', data: rows.map((r) => r.subject) },
    { name: 'choices', data: rows.map((r) => r.choices) },
    { name: 'answer', data: rows.map((r) => r.answer) },
  ])
  convert(`MMLU/${subject}/test-00000-of-00001.parquet`, `MMLU/${subject}/test.jsonl`)
})

// MedMCQA (openlifescienceai/medmcqa): validation split parquet, the answer an int64 index.
const medmcqa = [
  { id: 'e9ad821a', question: 'Which of the following is not true about glomerular capillaries?', opa: 'Low oncotic pressure',
    opb: 'Fenestrated', opc: 'High hydrostatic pressure', opd: 'Filtration fraction 20%', cop: 0n, choice_type: 'multi',
    exp: '', subject_name: 'Physiology', topic_name: '' },
  { id: '5c6f0d7e', question: 'Drug of choice for absence seizures?', opa: 'Phenytoin', opb: 'Ethosuximide',
    opc: 'Carbamazepine', opd: 'Phenobarbital', cop: 1n, choice_type: 'single', exp: null, subject_name: 'Pharmacology', topic_name: null },
]
const medmcqaColumns = ['id', 'question', 'opa', 'opb', 'opc', 'opd', 'choice_type', 'exp', 'subject_name', 'topic_name']
parquet('MedMCQA/data/validation-00000-of-00001.parquet', [
  { name: 'root', num_children: medmcqaColumns.length + 1 }, ...medmcqaColumns.map(str),
  { name: 'cop', type: 'INT64', repetition_type: 'OPTIONAL' },
], [...medmcqaColumns.map((c) => ({ name: c, data: medmcqa.map((r) => r[c]) })), { name: 'cop', data: medmcqa.map((r) => r.cop) }])
convert('MedMCQA/data/validation-00000-of-00001.parquet', 'MedMCQA/validation.jsonl')

// Medbullets op4 (tuenguyen/Medical-Eval-MedBullets_op4): options as a struct of A..D.
const op4 = [
  { question: 'A 45-year-old man has crushing chest pain. What is the next step?', options: { A: 'ECG', B: 'CT head', C: 'Discharge', D: 'MRI' }, answer_idx: 'A', answer: 'ECG' },
  { question: 'Which antibiotic covers MRSA?', options: { A: 'Penicillin', B: 'Cefazolin', C: 'Vancomycin', D: 'Amoxicillin' }, answer_idx: 'C', answer: 'Vancomycin' },
]
parquet('Medbullets_op4/data/train-00000-of-00001.parquet', [
  { name: 'root', num_children: 4 }, str('question'),
  { name: 'options', repetition_type: 'OPTIONAL', num_children: 4 }, str('A'), str('B'), str('C'), str('D'),
  str('answer_idx'), str('answer'),
], ['question', 'options', 'answer_idx', 'answer'].map((c) => ({ name: c, data: op4.map((r) => r[c]) })))
convert('Medbullets_op4/data/train-00000-of-00001.parquet', 'Medbullets_op4/train.jsonl')

// Medbullets op5 (LangAGI-Lab/medbullets_op5): five flat option columns.
const op5 = [
  { question: 'A child has a barking cough. Most likely pathogen?', opa: 'RSV', opb: 'Parainfluenza', opc: 'Adenovirus', opd: 'Influenza', ope: 'Rhinovirus', answer_idx: 'B', answer: 'Parainfluenza' },
  { question: 'First-line treatment for anaphylaxis?', opa: 'Antihistamine', opb: 'Steroids', opc: 'Salbutamol', opd: 'Fluids', ope: 'Intramuscular epinephrine', answer_idx: 'E', answer: 'Intramuscular epinephrine' },
]
const op5Columns = ['question', 'opa', 'opb', 'opc', 'opd', 'ope', 'answer_idx', 'answer']
parquet('Medbullets_op5/data/train-00000-of-00001.parquet', [{ name: 'root', num_children: op5Columns.length }, ...op5Columns.map(str)],
  op5Columns.map((c) => ({ name: c, data: op5.map((r) => r[c]) })))
convert('Medbullets_op5/data/train-00000-of-00001.parquet', 'Medbullets_op5/train.jsonl')

// VQA-RAD (flaviagiammarino/vqa-rad): parquet with the image embedded as {bytes, path}.
const vqarad = [
  { image: { bytes: readFileSync(png), path: null }, question: 'Is there a fracture?', answer: 'no' },
  { image: { bytes: readFileSync(jpg), path: null }, question: 'Is the heart enlarged?', answer: 'Yes' },
  { image: { bytes: readFileSync(png), path: null }, question: 'Which organ is shown?', answer: 'Liver ' },
  { image: { bytes: readFileSync(jpg), path: null }, question: 'What modality is this?', answer: 'ct' },
]
parquet('VQA_RAD/data/test-00000-of-00001-e5bc3d208bb4deeb.parquet', [
  { name: 'root', num_children: 3 },
  { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' }, str('path'),
  str('question'), str('answer'),
], [
  { name: 'image', data: vqarad.map((r) => r.image) },
  { name: 'question', data: vqarad.map((r) => r.question) },
  { name: 'answer', data: vqarad.map((r) => r.answer) },
])
convert('VQA_RAD/data/test-00000-of-00001-e5bc3d208bb4deeb.parquet', 'VQA_RAD/test.jsonl')

// SLAKE (BoKelvin/SLAKE): test.json and imgs/<folder>/source.jpg; Chinese questions are skipped.
copy(jpg, 'SLAKE/imgs/xmlab1/source.jpg')
copy(jpg, 'SLAKE/imgs/xmlab2/source.jpg')
write('SLAKE/test.json', JSON.stringify([
  { img_id: 1, img_name: 'xmlab1/source.jpg', question: 'Which organ is abnormal?', answer: 'Lung', q_lang: 'en',
    location: 'Lung', modality: 'CT', answer_type: 'OPEN', base_type: 'vqa', content_type: 'Organ', triple: [], qid: 11 },
  { img_id: 1, img_name: 'xmlab1/source.jpg', question: 'Is this a CT image?', answer: 'Yes', q_lang: 'en',
    location: 'Lung', modality: 'CT', answer_type: 'CLOSED', base_type: 'vqa', content_type: 'Modality', triple: [], qid: 12 },
  { img_id: 1, img_name: 'xmlab1/source.jpg', question: '这是什么器官？', answer: '肺', q_lang: 'zh',
    location: 'Lung', modality: 'CT', answer_type: 'OPEN', base_type: 'vqa', content_type: 'Organ', triple: [], qid: 13 },
  { img_id: 2, img_name: 'xmlab2/source.jpg', question: 'Is the lesion on the left or right?', answer: 'Left', q_lang: 'en',
    location: 'Lung', modality: 'MRI', answer_type: 'CLOSED', base_type: 'vqa', content_type: 'Position', triple: [], qid: 14 },
  { img_id: 2, img_name: 'xmlab2/source.jpg', question: 'What is the largest organ?', answer: 'Liver', q_lang: 'en',
    location: 'Abdomen', modality: 'MRI', answer_type: 'OPEN', base_type: 'vqa', content_type: 'Size', triple: [], qid: 15 },
], null, 1))

// PMC-VQA (RadGenome/PMC-VQA): test_2.csv with quoted fields, figures/ holding the images.
copy(jpg, 'PMC_VQA/figures/PMC1_F1.jpg')
copy(png, 'PMC_VQA/figures/PMC2_F3.png')
write('PMC_VQA/test_2.csv', [
  'index,Figure_path,Caption,Question,Choice A,Choice B,Choice C,Choice D,Answer,split',
  '0,PMC1_F1.jpg,"A CT scan, axial.",What imaging modality is used?,A:CT,B:MRI,C:X-ray,D:Ultrasound,A,test',
  '1,PMC2_F3.png,"Caption with ""quotes""",Where is the lesion?,A:Left lobe,B:Right lobe,"C:Both, bilateral",D:None,C,test',
].join('\r\n') + '\r\n')

// M3D-VQA in MedUniEval's M3D_test.json form: six slices make one video (more than five images).
for (let i = 0; i < 6; ++i) copy(png, `M3D/slices/case1/${String(i).padStart(3, '0')}.png`)
const m3d = (q, a, qt, type) => ({ video: ['slices/case1'], conversations: [{ from: 'human', value: `<image>\n${q}` }, { from: 'gpt', value: a }], Question_Type: qt, type })
write('M3D/M3D_test.json', JSON.stringify([
  m3d('Which plane is this image in? A. axial B. coronal C. sagittal D. oblique', 'A. axial', 'CLOSED', 1),
  m3d('Which phase is this CT scan?', 'Arterial phase', 'OPEN', 2),
  m3d('Which organ shows a lesion? A. liver B. kidney C. spleen D. pancreas', 'B. kidney', 'CLOSE', 3),
  m3d('Where is the abnormality located?', 'In the left kidney', 'OPEN', 5),
], null, 1))

// IU-Xray in MedUniEval's iu_xray_test.json form: two views per study.
copy(png, 'IU_XRAY/images/CXR1_1_IM-0001/0.png')
copy(png, 'IU_XRAY/images/CXR1_1_IM-0001/1.png')
copy(jpg, 'IU_XRAY/images/CXR2_IM-0652/0.jpg')
const report = (images, text) => ({ image: images, conversations: [{ from: 'human', value: '<image>\nGenerate a report.' }, { from: 'gpt', value: text }] })
write('IU_XRAY/iu_xray_test.json', JSON.stringify([
  report(['images/CXR1_1_IM-0001/0.png', 'images/CXR1_1_IM-0001/1.png'], 'The cardiac silhouette and mediastinum size are within normal limits. There is no pulmonary edema. No acute cardiopulmonary abnormality.'),
  report(['images/CXR2_IM-0652/0.jpg'], 'Borderline cardiomegaly. Midline sternotomy. No acute pulmonary disease.'),
], null, 1))

console.error(`fixtures written under ${root}`)
