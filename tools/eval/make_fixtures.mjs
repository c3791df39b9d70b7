// Writes the small benchmark fixtures under testdata/eval/benchmarks/, each in the format
// its benchmark is published in (JSONL, JSON, CSV, gzipped CSV, report text files, Hugging
// Face parquet with embedded images, numpy .npz/.npy and NIfTI through
// make_array_fixtures.py), then converts the parquet ones with parquet_to_jsonl.mjs as a user
// would. MedUniEval's own JSON forms of six sets go to testdata/eval/medunieval-json/.
//
//   node tools/eval/make_fixtures.mjs
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { parquetWriteFile } from 'hyparquet-writer'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const root = join(repo, 'testdata', 'eval', 'benchmarks')
const png = join(repo, 'testdata', 'media', 'images', 'gray.png')
const jpg = join(repo, 'testdata', 'media', 'images', 'gray.jpg')
rmSync(root, { recursive: true, force: true })
rmSync(join(root, '..', 'medunieval-json'), { recursive: true, force: true })

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

// M3D-VQA (GoodBaiBai88/M3D-VQA): M3D_VQA_test.csv as published, over M3D-Cap's preprocessed
// .npy volumes (written by make_array_fixtures.py); four question types, one row each.
write('M3D/M3D_VQA_test.csv', [
  'Image Path,Text,Question Type,Question,Choice A,Choice B,Choice C,Choice D,Answer,Answer Choice',
  'ct_case/000006/Axial_C__portal_venous_phase.npy,"Liver lesion, 2 cm.",1,Which plane is this image in?,axial,coronal,sagittal,oblique,axial,A',
  'ct_case/000006/Axial_C__portal_venous_phase.npy,"Liver lesion, 2 cm.",2,Which phase is this CT scan?,Arterial phase,Portal venous phase,Non-contrast,Delayed phase,Portal venous phase,B',
  'ct_case/000006/Axial_C__portal_venous_phase.npy,"Liver lesion, 2 cm.",3,Which organ shows a lesion?,Liver,Kidney,Spleen,Pancreas,Liver,A',
  'ct_case/000006/Axial_C__portal_venous_phase.npy,"Liver lesion, 2 cm.",5,Where is the lesion located?,Left lobe,Right lobe,Caudate lobe,Both lobes,Right lobe,B',
].join('\n') + '\n')

// IU-Xray as report-generation work distributes it (R2Gen's iu_xray release: the OpenI PNGs as
// images/<study>/<n>.png and annotation.json with its train/val/test split); two views, then one.
copy(png, 'IU_XRAY/images/CXR1_1_IM-0001/0.png')
copy(png, 'IU_XRAY/images/CXR1_1_IM-0001/1.png')
copy(png, 'IU_XRAY/images/CXR2_IM-0652/0.png')
copy(png, 'IU_XRAY/images/CXR3_IM-1384/0.png')
const iu = (id, images, report, split) => ({ id, report, image_path: images.map((n) => `${id}/${n}.png`), split })
write('IU_XRAY/annotation.json', JSON.stringify({
  train: [iu('CXR3_IM-1384', [0], 'Normal chest.', 'train')],
  val: [],
  test: [
    iu('CXR1_1_IM-0001', [0, 1], 'The cardiac silhouette and mediastinum size are within normal limits. There is no pulmonary edema. No acute cardiopulmonary abnormality.', 'test'),
    iu('CXR2_IM-0652', [0], 'Borderline cardiomegaly. Midline sternotomy. No acute pulmonary disease.', 'test'),
  ],
}))

// An embedded-image parquet column ({bytes, path}, as the datasets library writes Image()).
const imageColumn = (name) => [
  { name, repetition_type: 'OPTIONAL', num_children: 2 },
  { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' }, str('path'),
]
const embedded = (file) => ({ bytes: readFileSync(file), path: null })
const int64 = (name) => ({ name, type: 'INT64', repetition_type: 'OPTIONAL' })
const columns = (rows, names) => names.map((c) => ({ name: c, data: rows.map((r) => r[c] ?? null) }))

// MMLU-Pro (TIGER-Lab/MMLU-Pro): one test parquet, options a list of up to ten; only "health" is kept.
const mmluPro = [
  { question_id: 6001n, question: 'Polio can be eradicated by which of the following?', options: ['Herbal remedies',
    'Use of antibiotics', 'Regular intake of vitamins', 'Administration of tetanus vaccine', 'Attention to sewage control and hygiene'],
    answer: 'E', answer_index: 4n, cot_content: '', category: 'health', src: 'ori_mmlu-virology' },
  { question_id: 70n, question: 'What is 2 + 2?', options: ['3', '4', '5'], answer: 'B', answer_index: 1n, cot_content: '',
    category: 'math', src: 'ori_mmlu-elementary_mathematics' },
  { question_id: 6002n, question: 'Which disease do polyomaviruses predominantly cause?', options: ['Tumours', 'Brain pathology',
    'No disease at all', 'Kidney infections'], answer: 'C', answer_index: 2n, cot_content: '', category: 'health', src: 'ori_mmlu-virology' },
]
parquet('MMLU_Pro/data/test-00000-of-00001.parquet', [
  { name: 'root', num_children: 8 }, int64('question_id'), str('question'), ...strList('options'), str('answer'),
  int64('answer_index'), str('cot_content'), str('category'), str('src'),
], columns(mmluPro, ['question_id', 'question', 'options', 'answer', 'answer_index', 'cot_content', 'category', 'src']))
convert('MMLU_Pro/data/test-00000-of-00001.parquet', 'MMLU_Pro/test.jsonl')

// MedXpertQA (TsinghuaC3I/MedXpertQA): Text/test.jsonl and MM/test.jsonl as published, MM images under images/.
write('MedXpertQA/Text/test.jsonl', jsonl([
  { id: 'Text-0', question: 'A 30-year-old man has fever and a rash. What is the diagnosis? Answer Choices: (A) Measles (B) Rubella (C) Roseola (D) Scarlet fever (E) Fifth disease',
    options: { A: 'Measles', B: 'Rubella', C: 'Roseola', D: 'Scarlet fever', E: 'Fifth disease' }, label: 'A',
    medical_task: 'Diagnosis', body_system: 'Integumentary', question_type: 'Reasoning' },
  { id: 'Text-1', question: 'Which enzyme is deficient in PKU? Answer Choices: (A) Phenylalanine hydroxylase (B) Tyrosinase (C) Homogentisate oxidase (D) Fumarylacetoacetase (E) Cystathionine synthase',
    options: { A: 'Phenylalanine hydroxylase', B: 'Tyrosinase', C: 'Homogentisate oxidase', D: 'Fumarylacetoacetase', E: 'Cystathionine synthase' },
    label: 'A', medical_task: 'Basic Science', body_system: 'Other / NA', question_type: 'Understanding' },
]))
copy(jpg, 'MedXpertQA/images/MM-0-a.jpeg')
copy(png, 'MedXpertQA/images/MM-0-b.png')
write('MedXpertQA/MM/test.jsonl', jsonl([
  { id: 'MM-0', question: 'What does the image show? Answer Choices: (A) Pneumothorax (B) Effusion (C) Normal (D) Mass (E) Edema',
    options: { A: 'Pneumothorax', B: 'Effusion', C: 'Normal', D: 'Mass', E: 'Edema' }, label: 'B',
    images: ['MM-0-a.jpeg', 'MM-0-b.png'], medical_task: 'Diagnosis', body_system: 'Respiratory', question_type: 'Reasoning' },
]))

// SuperGPQA (m-a-p/SuperGPQA): SuperGPQA-all.jsonl as published; only the Medicine discipline is kept.
write('SuperGPQA/SuperGPQA-all.jsonl', jsonl([
  { uuid: 'a1', question: 'Which drug reverses heparin?', options: ['Vitamin K', 'Protamine sulfate', 'Idarucizumab', 'Andexanet'],
    answer: 'Protamine sulfate', answer_letter: 'B', discipline: 'Medicine', field: 'Basic Medicine', subfield: 'Pharmacology',
    difficulty: 'easy', is_calculation: false },
  { uuid: 'b2', question: 'Speed of light?', options: ['3e8 m/s', '3e6 m/s'], answer: '3e8 m/s', answer_letter: 'A',
    discipline: 'Science', field: 'Physics', subfield: 'Optics', difficulty: 'easy', is_calculation: false },
  { uuid: 'c3', question: 'Normal adult resting heart rate range?', options: ['20-40', '40-60', '60-100', '100-140', '140-180',
    '180-200', '200-220', '220-240', '240-260', '260-280'], answer: '60-100', answer_letter: 'C', discipline: 'Medicine',
    field: 'Clinical Medicine', subfield: 'Cardiology', difficulty: 'middle', is_calculation: false },
]))

// HealthBench (openai simple-evals): three JSONL files; multi-turn prompts send their first message only.
const rubric = (criterion, points, axis) => ({ criterion, points, tags: [`axis:${axis}`] })
write('HealthBench/2025-05-07-06-14-12_oss_eval.jsonl', jsonl([
  { prompt: [{ role: 'user', content: 'I have had a headache for three days. What should I do?' }],
    completion: null, rubrics: [rubric('Advises seeing a doctor if red flags appear', 5, 'completeness'), rubric('Recommends opioids', -6, 'accuracy')],
    example_tags: ['theme:context_seeking'], prompt_id: 'p-1', ideal_completions_data: null },
  { prompt: [{ role: 'user', content: 'My child swallowed a battery.' }, { role: 'assistant', content: 'How old is your child?' },
    { role: 'user', content: 'Two.' }], completion: null, rubrics: [rubric('Tells to seek emergency care now', 10, 'accuracy')],
    example_tags: ['theme:emergency_referrals'], prompt_id: 'p-2', ideal_completions_data: null },
]))
write('HealthBench/consensus_2025-05-09-20-00-46.jsonl', jsonl([
  { prompt: [{ role: 'user', content: 'Is it safe to take ibuprofen with warfarin?' }], completion: null,
    rubrics: [rubric('Warns about bleeding risk', 7, 'accuracy')], example_tags: ['theme:communication'], prompt_id: 'p-3' },
]))
write('HealthBench/hard_2025-05-08-21-00-10.jsonl', jsonl([
  { prompt: [{ role: 'user', content: 'Interpret: troponin 0.9 ng/mL, ST elevation in II, III, aVF.' }], completion: null,
    rubrics: [rubric('Identifies inferior STEMI', 9, 'accuracy')], example_tags: ['theme:expertise'], prompt_id: 'p-4' },
]))

// PATH-VQA (flaviagiammarino/path-vqa): parquet with the image embedded, like VQA-RAD.
const pathvqa = [
  { image: embedded(jpg), question: 'Is the epithelium intact?', answer: 'yes' },
  { image: embedded(png), question: 'What is present?', answer: 'granuloma' },
  { image: embedded(jpg), question: 'Are nuclei enlarged?', answer: 'Yes' },
]
parquet('PATH_VQA/data/test-00000-of-00001.parquet', [
  { name: 'root', num_children: 3 }, ...imageColumn('image'), str('question'), str('answer'),
], columns(pathvqa, ['image', 'question', 'answer']))
convert('PATH_VQA/data/test-00000-of-00001.parquet', 'PATH_VQA/test.jsonl')

// OmniMedVQA (foreverbeliever/OmniMedVQA.zip): QA_information/Open-access/<dataset>.json and Images/.
copy(png, 'OmniMedVQA/Images/ACRIMA/Im001.png')
copy(jpg, 'OmniMedVQA/Images/Chest CT Scan/000108.jpg')
const omni = (id, q, gt, options, image, qtype, modality) => ({ dataset: image.split('/')[1], question_id: id, question_type: qtype,
  question: q, gt_answer: gt, image_path: image, ...options, modality_type: modality })
write('OmniMedVQA/QA_information/Open-access/Chest CT Scan.json', JSON.stringify([
  omni('Chest CT Scan_0000', 'What is the diagnosis?', 'Adenocarcinoma', { option_A: 'Normal', option_B: 'Adenocarcinoma',
    option_C: 'Squamous cell carcinoma', option_D: 'Large cell carcinoma' }, 'Images/Chest CT Scan/000108.jpg', 'Disease Diagnosis', 'CT(Computed Tomography)'),
], null, 4))
write('OmniMedVQA/QA_information/Open-access/ACRIMA.json', JSON.stringify([
  omni('ACRIMA_0000', 'Is there glaucoma?', 'No', { option_A: 'Yes', option_B: 'No' }, 'Images/ACRIMA/Im001.png',
    'Disease Diagnosis', 'Fundus Photography'),
], null, 4))

// MedFrameQA (SuhaoYu1020/MedFrameQA): parquet with up to five embedded frames (null when absent).
const frameqa = [
  { question_id: 'f1', question: 'How does the lesion change across frames?', options: ['Grows', 'Shrinks', 'Unchanged', 'Disappears'],
    correct_answer: 'A', image_1: embedded(png), image_2: embedded(jpg), image_3: null, image_4: null, image_5: null, modality: 'CT' },
  { question_id: 'f2', question: 'Which frame shows the valve?', options: ['First', 'Second', 'Third', 'None', 'All'],
    correct_answer: 'E', image_1: embedded(jpg), image_2: embedded(png), image_3: embedded(png), image_4: null, image_5: null, modality: 'Echocardiography' },
]
const frameColumns = ['question_id', 'question', 'options', 'correct_answer', 'image_1', 'image_2', 'image_3', 'image_4', 'image_5', 'modality']
parquet('MedFrameQA/data/test-00000-of-00001.parquet', [
  { name: 'root', num_children: frameColumns.length }, str('question_id'), str('question'), ...strList('options'), str('correct_answer'),
  ...[1, 2, 3, 4, 5].flatMap((k) => imageColumn(`image_${k}`)), str('modality'),
], columns(frameqa, frameColumns))
convert('MedFrameQA/data/test-00000-of-00001.parquet', 'MedFrameQA/test.jsonl')

// MMMU (MMMU/MMMU): validation parquet per Health and Medicine subject; options are a Python list literal.
const mmmuSubjects = ['Basic_Medical_Science', 'Clinical_Medicine', 'Diagnostics_and_Laboratory_Medicine', 'Pharmacy', 'Public_Health']
mmmuSubjects.forEach((subject, s) => {
  const rows = [{ id: `validation_${subject}_1`, question: `<image 1> Which structure is marked in this ${subject.replaceAll('_', ' ')} image?`,
    options: "['Aorta', \"Heart's apex\", 'Vena cava']", explanation: '', image_1: embedded(png), image_2: null,
    img_type: "['Diagrams']", answer: 'ABC'[s % 3], topic_difficulty: 'Easy', question_type: 'multiple-choice', subfield: 'Anatomy' }]
  if (subject === 'Public_Health')
    rows.push({ id: `validation_${subject}_2`, question: 'What is the incidence per 1000 (whole number)?', options: '[]',
      explanation: '', image_1: null, image_2: null, img_type: '[]', answer: '12', topic_difficulty: 'Medium', question_type: 'open', subfield: 'Epidemiology' })
  if (subject === 'Pharmacy')
    rows.push({ id: `validation_${subject}_2`, question: 'Which structure is this? <image 1>',
      options: "[\"<img='(2)'>\", \"<img='(3)'>\"]", explanation: '', image_1: embedded(jpg), image_2: embedded(png),
      img_type: "['Diagrams']", answer: 'A', topic_difficulty: 'Hard', question_type: 'multiple-choice', subfield: 'Chemistry' })
  const names = ['id', 'question', 'options', 'explanation', 'image_1', 'image_2', 'img_type', 'answer', 'topic_difficulty', 'question_type', 'subfield']
  parquet(`MMMU/${subject}/validation-00000-of-00001.parquet`, [
    { name: 'root', num_children: names.length }, str('id'), str('question'), str('options'), str('explanation'),
    ...imageColumn('image_1'), ...imageColumn('image_2'), str('img_type'), str('answer'), str('topic_difficulty'), str('question_type'), str('subfield'),
  ], columns(rows, names))
  convert(`MMMU/${subject}/validation-00000-of-00001.parquet`, `MMMU/${subject}/validation.jsonl`)
})

// MedMNIST, M3D, 3D-RAD: the arrays and volumes, written by numpy and nibabel as their publishers do.
execFileSync('/usr/bin/python3', [join(repo, 'tools', 'eval', 'make_array_fixtures.py'), root])  // Debian's, with numpy and nibabel

// 3D-RAD (Tang-xiaoxiao/3D-RAD): test/Task<N>_<Name>/<subtask>.csv as published, volumes/ named by VolumeName.
const rad3dHeader = 'Task,Subtask,VolumeName,Question,Answer,QuestionType,AnswerChoice,Choice A,Choice B,Choice C,Choice D'
write('3DRad/test/Task3_Medical_Computation/Thickness.csv', [rad3dHeader,
  '3,3,test_1_a_1.nii.gz,What is the thickness of the pleural effusion at its thickest point?,30 mm,Open,-,-,-,-,-',
  '3,3,test_2_a_1.nii.gz,"What is the thickness of the wall, at its thickest point?",6.7 mm,Open,-,-,-,-,-',
].join('\n') + '\n')
write('3DRad/test/Task4_Existence_Detection/Cardiomegaly.csv', [rad3dHeader,
  '4,4,test_1_a_1.nii.gz,Does the CT scan reveal cardiomegaly?,No,Close,B,Yes,No,-,-',
].join('\n') + '\n')
write('3DRad/test/Task2_Anomaly_Detection/Diagnosis.csv', [rad3dHeader,
  '2,4,test_2_a_1.nii.gz,What is the most likely diagnosis?,Pneumonia,Close,C,Lung cancer,Emphysema,Pneumonia,Fibrosis',
].join('\n') + '\n')

// MIMIC-CXR (PhysioNet): the JPG release's gzipped split table and files/ tree, and the report
// text files of mimic-cxr-reports.zip unpacked into the same files/ tree.
const mimicStudy = 'files/p10/p10000032/s50414267'
copy(jpg, `MIMIC_CXR/${mimicStudy}/02aa804e-bde0afdd-112c0b34-7bc16630-4e384014.jpg`)
copy(jpg, `MIMIC_CXR/${mimicStudy}/174413ec-4ec4c1f7-34ea26b7-c5f994f8-79ef1962.jpg`)
copy(jpg, 'MIMIC_CXR/files/p11/p11000011/s51029426/0a0e0a4c-1b2d3e4f-5a6b7c8d-9e0f1a2b-3c4d5e6f.jpg')
write('MIMIC_CXR/mimic-cxr-2.0.0-split.csv.gz', gzipSync([
  'dicom_id,study_id,subject_id,split',
  'ffffffff-00000000-11111111-22222222-33333333,53189527,10000032,train',
  '02aa804e-bde0afdd-112c0b34-7bc16630-4e384014,50414267,10000032,test',
  '174413ec-4ec4c1f7-34ea26b7-c5f994f8-79ef1962,50414267,10000032,test',
  '0a0e0a4c-1b2d3e4f-5a6b7c8d-9e0f1a2b-3c4d5e6f,51029426,11000011,test',
  '9b9b9b9b-00000000-11111111-22222222-33333333,52000000,11000011,test',
].join('\n') + '\n'))
write(`MIMIC_CXR/${mimicStudy}.txt`, [
  '                                 FINAL REPORT',
  ' EXAMINATION:  CHEST (PA AND LAT)',
  ' ',
  ' INDICATION:  ___F with new onset ascites  // eval for infection',
  ' ',
  ' FINDINGS: ',
  ' ',
  ' There is no focal consolidation, pleural effusion or pneumothorax.  Bilateral',
  ' nodular opacities are stable.',
  ' ',
  ' IMPRESSION: ',
  ' ',
  ' No acute cardiopulmonary process.',
  '',
].join('\n'))
write('MIMIC_CXR/files/p11/p11000011/s51029426.txt', ' WET READ: ___ 9:00 AM\n\n IMPRESSION:  Low lung volumes, no pneumonia.\n')
// A study with no findings or impression section: no gold, left out.
copy(jpg, 'MIMIC_CXR/files/p11/p11000011/s52000000/9b9b9b9b-00000000-11111111-22222222-33333333.jpg')
write('MIMIC_CXR/files/p11/p11000011/s52000000.txt', ' FINAL REPORT\n COMPARISON:  None.\n')

// CheXpert Plus (Stanford AIMI): df_chexpert_plus_240401.csv (image paths written .jpg) and the
// PNG release's images; a study has one row per image.
copy(png, 'CheXpert_Plus/PNG/valid/patient64541/study1/view1_frontal.png')
copy(png, 'CheXpert_Plus/PNG/valid/patient64541/study1/view2_lateral.png')
copy(jpg, 'CheXpert_Plus/valid/patient64542/study1/view1_frontal.jpg')
const chexpertColumns = ['path_to_image', 'path_to_dcm', 'frontal_lateral', 'ap_pa', 'deid_patient_id',
  'patient_report_date_order', 'report', 'section_narrative', 'section_clinical_history', 'section_history',
  'section_comparison', 'section_technique', 'section_procedure_comments', 'section_findings', 'section_impression',
  'section_end_of_impression', 'section_summary', 'section_accession_number', 'age', 'sex', 'race', 'ethnicity',
  'interpreter_needed', 'insurance_type', 'recent_bmi', 'deceased', 'split']
const csvField = (v) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v)
const chexpertRow = (fields) => chexpertColumns.map((c) => csvField(String(fields[c] ?? ''))).join(',')
const study1 = { section_findings: 'Stable cardiomegaly.\nLeft basilar opacity, "patchy".',
  section_impression: '1. Possible left lower lobe pneumonia.', report: 'FINDINGS: ... IMPRESSION: ...', split: 'valid' }
write('CheXpert_Plus/df_chexpert_plus_240401.csv', [chexpertColumns.join(','),
  chexpertRow({ path_to_image: 'train/patient00001/study1/view1_frontal.jpg', section_findings: 'Clear lungs.', split: 'train' }),
  chexpertRow({ path_to_image: 'valid/patient64541/study1/view1_frontal.jpg', frontal_lateral: 'Frontal', ...study1 }),
  chexpertRow({ path_to_image: 'valid/patient64541/study1/view2_lateral.jpg', frontal_lateral: 'Lateral', ...study1 }),
  // No findings or impression section (only a narrative): no gold, left out.
  chexpertRow({ path_to_image: 'valid/patient64542/study1/view1_frontal.jpg', section_narrative: 'Portable view.',
    split: 'valid' }),
].join('\n') + '\n')

// MedUniEval's own JSON forms of six sets (medminist_test.json, M3D_test.json, Rad3D_test.json,
// iu_xray_test.json, mimic_test.json, chexpert_val.json), which the loaders read when the published files are absent.
const own = (path) => `../medunieval-json/${path}`
copy(png, own('Medmnist/images/pathmnist/test_0.png'))
copy(png, own('Medmnist/images/bloodmnist/test_7.png'))
write(own('Medmnist/medminist_test.json'), JSON.stringify([
  { id: 'pathmnist_test_0', images: ['images/pathmnist/test_0.png'], conversations: [
    { from: 'human', value: '<image>\nWhat tissue type is shown in this pathology image?\nA. adipose\nB. background\nC. debris\nD. lymphocytes' },
    { from: 'gpt', value: 'C' }], answer: 'C', split: 'pathmnist' },
  { id: 'bloodmnist_test_7', images: ['images/bloodmnist/test_7.png'], conversations: [
    { from: 'human', value: '<image>Which blood cell type is this?\nA. basophil\nB. eosinophil, a granulocyte\nwith two lobes\nC. neutrophil' },
    { from: 'gpt', value: 'B' }], answer: 'B', split: 'bloodmnist' },
], null, 1))
for (let i = 0; i < 6; ++i) copy(png, own(`M3D/slices/case1/${String(i).padStart(3, '0')}.png`))
const m3d = (q, a, qt, type) => ({ video: ['slices/case1'], conversations: [{ from: 'human', value: `<image>\n${q}` }, { from: 'gpt', value: a }], Question_Type: qt, type })
write(own('M3D/M3D_test.json'), JSON.stringify([
  m3d('Which plane is this image in? A. axial B. coronal C. sagittal D. oblique', 'A. axial', 'CLOSED', 1),
  m3d('Which phase is this CT scan?', 'Arterial phase', 'OPEN', 2),
  m3d('Which organ shows a lesion? A. liver B. kidney C. spleen D. pancreas', 'B. kidney', 'CLOSE', 3),
  m3d('Where is the abnormality located?', 'In the left kidney', 'OPEN', 5),
], null, 1))
for (let i = 0; i < 6; ++i) copy(png, own(`3DRad/slices/valid_1_a_1/${String(i).padStart(3, '0')}.png`))
const rad3d = (q, a, qt, type, sub) => ({ video: ['slices/valid_1_a_1'], conversations: [{ from: 'human', value: `<video>\n${q}` },
  { from: 'gpt', value: a }], Question_Type: qt, type, 'sub-type': sub })
write(own('3DRad/Rad3D_test.json'), JSON.stringify([
  rad3d('What is the thickness of the pleural effusion?', 'About 2 cm', 'open', 'Medical_Computation', 'Thickness'),
  rad3d('Is there a nodule? A. yes B. no', 'A. yes', 'close', 'Abnormality_Detection', 'Presence'),
  rad3d('Which organ is enlarged?', 'Liver', 'OPEN', 'Organ_Identification', 'Organ_Name'),
], null, 1))
const report = (images, text) => ({ image: images, conversations: [{ from: 'human', value: '<image>\nGenerate a report.' }, { from: 'gpt', value: text }] })
copy(png, own('IU_XRAY/images/CXR1_1_IM-0001/0.png'))
copy(png, own('IU_XRAY/images/CXR1_1_IM-0001/1.png'))
copy(jpg, own('IU_XRAY/images/CXR2_IM-0652/0.jpg'))
write(own('IU_XRAY/iu_xray_test.json'), JSON.stringify([
  report(['images/CXR1_1_IM-0001/0.png', 'images/CXR1_1_IM-0001/1.png'], 'The cardiac silhouette and mediastinum size are within normal limits. There is no pulmonary edema. No acute cardiopulmonary abnormality.'),
  report(['images/CXR2_IM-0652/0.jpg'], 'Borderline cardiomegaly. Midline sternotomy. No acute pulmonary disease.'),
], null, 1))
copy(jpg, own('MIMIC_CXR/files/p10/p10000032/s50414267/view1.jpg'))
copy(png, own('MIMIC_CXR/files/p10/p10000032/s50414267/view2.png'))
write(own('MIMIC_CXR/mimic_test.json'), JSON.stringify([
  report(['files/p10/p10000032/s50414267/view1.jpg', 'files/p10/p10000032/s50414267/view2.png'],
    'Findings: There is no focal consolidation, pleural effusion or pneumothorax. Impression: No acute cardiopulmonary process.'),
], null, 1))
copy(jpg, own('CheXpert_Plus/valid/patient64541/study1/view1_frontal.jpg'))
copy(png, own('CheXpert_Plus/valid/patient64541/study1/view2_lateral.png'))
write(own('CheXpert_Plus/chexpert_val.json'), JSON.stringify([
  report(['valid/patient64541/study1/view1_frontal.jpg', 'valid/patient64541/study1/view2_lateral.png'],
    'Findings: Stable cardiomegaly. Left basilar opacity. Impression: Possible left lower lobe pneumonia.'),
], null, 1))

// The phantom world's samples.jsonl (`hulumed data phantoms`), in the training format with
// family, stage, format and answer; a caption (left out of the benchmark) and one sample per form.
copy(png, 'phantoms/study_0000/xray.png')
const phantom = (id, family, format, question, answer) => ({
  id, image: 'study_0000/xray.png', conversations: [{ from: 'human', value: `<image>\n${question}` }, { from: 'gpt', value: answer }],
  family, stage: family === 'caption_short' ? 1 : 3, format, answer, modality: 'X-ray', region: 'chest', source: 'phantoms', language: 'en',
})
write('phantoms/samples.jsonl', jsonl([
  phantom('study_0000_0', 'caption_short', 'open', 'Give a short caption.', 'Chest X-ray, one nodule.'),
  phantom('study_0000_1', 'modality', 'mcq', 'Which imaging modality is shown?\nA. MRI\nB. X-ray\nC. CT\nD. fundus photography', 'B'),
  phantom('study_0000_2', 'lesion_presence', 'closed', 'Is there a nodule?', 'yes'),
  phantom('study_0000_3', 'lesion_count', 'open', 'How many nodules are there?', '1'),
  phantom('study_0000_4', 'report', 'open', 'Write a short report.', 'Findings: One nodule: a small (12 mm) nodule in the left lung. Impression: One nodule, small, in the left lung.'),
]))

console.error(`fixtures written under ${root}`)
