#include "media/dicom_file.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/oflog/oflog.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <mutex>
#include <span>

#include "core/error.h"
#include "media/dicom_j2k.h"
#include "media/dicom_rle.h"

// DCMTK 3.6.7 leaks the objects it was building when a malformed directory record makes it
// throw (testdata/dicom/fuzz/directory_record_out_of_range.dcm, caught in LoadFile below).
// Under LeakSanitizer (HULUMED_SANITIZE, fuzz builds) that third-party leak must not fail
// every binary that parses such a file; this hook is unused without the sanitizer.
extern "C" const char* __lsan_default_suppressions() { return "leak:libdcmdata.so\n"; }

namespace hm {

namespace {

// Bounds what one file may make us allocate (decoded samples held as doubles, 8 bytes each):
// 2^28 samples is 2 GiB, above any CT/MR series yet far below what a forged header can claim.
constexpr uint64_t kMaxSamples = uint64_t{1} << 28;

// DCMTK keeps its codecs in a global registry and logs to stderr; both are process-wide, so
// set them up once. Errors reach the user through hm::Error instead of log lines. RLE is
// decoded by dicom_rle.cc, not by DCMTK's codec.
void InitDcmtkOnce() {
  static const bool done = [] {
    OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    return true;
  }();
  (void)done;
}

// Some writers encode the data set in implicit VR although the meta header names an explicit
// syntax (pydicom's SC_rgb_jpeg.dcm); pydicom reads those. When the strict parse fails, parse
// again letting DCMTK retry elements with a non-standard VR as implicit VR. Not for deflated
// data sets: DCMTK allocates their values eagerly, and a garbage implicit length would ask for
// gigabytes (found by fuzz/dicom_fuzz.cc). The switch is process-wide, so loads take turns
// (parsing is quick: values above 4 KiB are read only when used).
OFCondition LoadFile(DcmFileFormat& file, const char* path) {
  // DCMTK 3.6.7 lets std::out_of_range escape from some malformed records (a directory
  // record's type, found by fuzz/dicom_fuzz.cc): that is a failed load, not a crash.
  auto parse = [&]() -> OFCondition {
    try {
      return file.loadFile(OFFilename(path));
    } catch (const std::exception& e) {
      return makeOFCondition(OFM_dcmdata, 1000, OF_error,
                             ("malformed data element: " + std::string(e.what())).c_str());
    }
  };
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  OFCondition status = parse();
  OFString syntax;
  if (status.good() || file.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, syntax).bad() ||
      DcmXfer(syntax.c_str()).getStreamCompression() != ESC_none) {
    return status;
  }
  dcmAcceptUnexpectedImplicitEncoding.set(OFTrue);
  file.clear();
  status = parse();
  dcmAcceptUnexpectedImplicitEncoding.set(OFFalse);
  return status;
}

bool IsJpeg2000(E_TransferSyntax xfer) {
  return xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000;
}

// YBR_FULL -> RGB as DICOM PS3.3 C.7.6.3.1.2 defines it (the JFIF equations), rounded and
// clamped like pydicom's convert_color_space.
void YbrFullToRgb(std::vector<double>& px) {
  for (size_t i = 0; i + 2 < px.size(); i += 3) {
    const double y = px[i], cb = px[i + 1] - 128, cr = px[i + 2] - 128;
    const double rgb[3] = {y + 1.402 * cr, y - 0.114 * 1.772 / 0.587 * cb - 0.299 * 1.402 / 0.587 * cr,
                           y + 1.772 * cb};
    for (int c = 0; c < 3; ++c) px[i + c] = std::clamp(std::floor(rgb[c] + 0.5), 0.0, 255.0);
  }
}

}  // namespace

bool IsDicomFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[132] = {};
  return in.read(head, sizeof(head)) && std::string_view(head + 128, 4) == "DICM";
}

struct DicomFile::Impl {
  DcmFileFormat file;
  E_TransferSyntax xfer = EXS_Unknown;
  int planar_configuration = 0;
  // Frames of an encapsulated multi-frame object are found fastest by continuing where the
  // previous frame ended (DCMTK's startFragment); the loader asks for frames in order.
  int next_frame = 0;
  Uint32 next_fragment = 0;
};

DicomFile::DicomFile(DicomFile&&) noexcept = default;
DicomFile& DicomFile::operator=(DicomFile&&) noexcept = default;
DicomFile::~DicomFile() = default;

DicomFile::DicomFile(const std::string& path) : path_(path), impl_(std::make_unique<Impl>()) {
  InitDcmtkOnce();
  const char* p = path_.c_str();
  OFCondition status = LoadFile(impl_->file, p);
  // DCMTK also reads data sets without the Part 10 header, so the marker is only a hint.
  HM_CHECK(status.good(), p, ": not a readable DICOM file (", status.text(),
           IsDicomFile(path_) ? "" : "; no DICM marker after the 128-byte preamble", ")");
  DcmDataset* ds = impl_->file.getDataset();
  impl_->xfer = ds->getOriginalXfer();
  HM_CHECK(ds->tagExists(DCM_PixelData), p, ": DICOM file has no pixel data");
  HM_CHECK(!ds->tagExists(DCM_FloatPixelData) && !ds->tagExists(DCM_DoubleFloatPixelData), p,
           ": float pixel data is not supported");

  auto u16 = [&](const DcmTagKey& tag, const char* name, bool required, Uint16 fallback) -> int {
    Uint16 v = fallback;
    const bool found = ds->findAndGetUint16(tag, v).good();
    HM_CHECK(found || !required, p, ": missing or invalid ", name);
    return v;
  };
  DicomImageInfo& in = info_;
  in.rows = u16(DCM_Rows, "Rows", true, 0);
  in.columns = u16(DCM_Columns, "Columns", true, 0);
  in.samples_per_pixel = u16(DCM_SamplesPerPixel, "SamplesPerPixel", false, 1);
  in.bits_allocated = u16(DCM_BitsAllocated, "BitsAllocated", true, 0);
  in.bits_stored = u16(DCM_BitsStored, "BitsStored", false, static_cast<Uint16>(in.bits_allocated));
  in.high_bit = u16(DCM_HighBit, "HighBit", false, static_cast<Uint16>(in.bits_stored - 1));
  in.is_signed = u16(DCM_PixelRepresentation, "PixelRepresentation", false, 0) == 1;
  impl_->planar_configuration = u16(DCM_PlanarConfiguration, "PlanarConfiguration", false, 0);
  if (ds->tagExistsWithValue(DCM_NumberOfFrames)) {
    // An IS string; DCMTK would read "1A" as 1, pydicom refuses it, and so do we.
    OFString text;
    ds->findAndGetOFString(DCM_NumberOfFrames, text);
    const std::string raw = text.c_str();
    const size_t first = raw.find_first_not_of(' '), last = raw.find_last_not_of(' ');
    const std::string trimmed = first == std::string::npos ? "" : raw.substr(first, last - first + 1);
    HM_CHECK(!trimmed.empty() && trimmed.size() <= 9 &&
                 trimmed.find_first_not_of("0123456789") == std::string::npos,
             p, ": missing or invalid NumberOfFrames '", raw, "'");
    in.frames = std::stoi(trimmed);
  }
  OFString pi;
  ds->findAndGetOFString(DCM_PhotometricInterpretation, pi);
  in.photometric = pi.c_str();
  if (in.photometric.empty()) in.photometric = in.samples_per_pixel == 1 ? "MONOCHROME2" : "RGB";

  HM_CHECK(in.rows >= 1 && in.columns >= 1, p, ": empty image (", in.rows, " x ", in.columns, ")");
  HM_CHECK(in.frames >= 1, p, ": NumberOfFrames must be at least 1, got ", in.frames);
  HM_CHECK(in.bits_allocated == 1 || in.bits_allocated == 8 || in.bits_allocated == 16 ||
               in.bits_allocated == 32,
           p, ": BitsAllocated ", in.bits_allocated, " is not supported (1, 8, 16 or 32)");
  HM_CHECK(in.bits_allocated != 1 || (in.samples_per_pixel == 1 && DcmXfer(impl_->xfer).isNotEncapsulated()),
           p, ": 1-bit pixel data is supported uncompressed and grayscale only");
  HM_CHECK(in.bits_stored >= 1 && in.bits_stored <= in.bits_allocated &&
               in.high_bit < in.bits_allocated && in.high_bit + 1 >= in.bits_stored,
           p, ": inconsistent BitsStored ", in.bits_stored, " / HighBit ", in.high_bit);
  const bool mono = in.photometric == "MONOCHROME1" || in.photometric == "MONOCHROME2";
  const bool color = in.photometric == "RGB" || in.photometric.rfind("YBR_", 0) == 0;
  HM_CHECK((mono && in.samples_per_pixel == 1) || (color && in.samples_per_pixel == 3), p,
           ": PhotometricInterpretation ", in.photometric, " with SamplesPerPixel ",
           in.samples_per_pixel, " is not supported");
  const uint64_t samples = uint64_t(in.rows) * in.columns * in.samples_per_pixel * in.frames;
  HM_CHECK(samples <= kMaxSamples, p, ": image too large (", in.rows, " x ", in.columns, " x ",
           in.frames, " frames)");

  auto f64 = [&](const DcmTagKey& tag, unsigned long pos, double& out) {
    // Enhanced multi-frame objects keep these inside functional group sequences: look at the
    // top level first, then anywhere (the first match, i.e. the shared or first-frame value).
    Float64 v = 0;
    bool ok = ds->findAndGetFloat64(tag, v, pos).good() ||
              ds->findAndGetFloat64(tag, v, pos, OFTrue).good();
    if (ok && std::isfinite(v)) out = v;
    return ok && std::isfinite(v);
  };
  if (!f64(DCM_RescaleSlope, 0, in.slope)) in.slope = 1;
  if (!f64(DCM_RescaleIntercept, 0, in.intercept)) in.intercept = 0;
  std::array<double, 3> pos;
  if (f64(DCM_ImagePositionPatient, 0, pos[0]) && f64(DCM_ImagePositionPatient, 1, pos[1]) &&
      f64(DCM_ImagePositionPatient, 2, pos[2])) {
    in.position = pos;
  }
  std::array<double, 6> ori;
  bool have_ori = true;
  for (int i = 0; i < 6; ++i) have_ori = have_ori && f64(DCM_ImageOrientationPatient, i, ori[i]);
  if (have_ori) in.orientation = ori;
  Sint32 instance = 0;
  if (ds->findAndGetSint32(DCM_InstanceNumber, instance).good()) in.instance_number = instance;
  std::array<double, 2> window;
  if (f64(DCM_WindowWidth, 0, window[0]) && f64(DCM_WindowCenter, 0, window[1])) {
    in.window = window;
  }
  OFString uid;
  if (ds->findAndGetOFString(DCM_SeriesInstanceUID, uid).good()) in.series_uid = uid.c_str();
  OFString text;
  if (ds->findAndGetOFString(DCM_Modality, text).good()) in.modality = text.c_str();
  if (ds->findAndGetOFString(DCM_BodyPartExamined, text).good()) in.body_part = text.c_str();

  double value = 0;
  DcmElement* vector = nullptr;
  const unsigned long increments =
      ds->findAndGetElement(DCM_FrameTimeVector, vector).good() && vector ? vector->getVM() : 0;
  if (f64(DCM_FrameTime, 0, value) && value > 0) {
    in.frame_seconds = value / 1000;
  } else if (increments >= 2) {
    // The first entry is 0; the others are the times (ms) from each frame to the next.
    double sum = 0;
    bool ok = true;
    for (unsigned long i = 1; i < increments && ok; ++i) {
      ok = f64(DCM_FrameTimeVector, i, value);
      sum += value;
    }
    if (ok && sum > 0) in.frame_seconds = sum / 1000 / static_cast<double>(increments - 1);
  }
  if (!in.frame_seconds) {
    Sint32 rate = 0;
    if ((ds->findAndGetSint32(DCM_CineRate, rate).good() && rate > 0) ||
        (ds->findAndGetSint32(DCM_RecommendedDisplayFrameRate, rate).good() && rate > 0)) {
      in.frame_seconds = 1.0 / rate;
    }
  }
}

Image DicomFile::ColorImage(const std::vector<double>& samples) const {
  const int shift = std::max(0, info_.bits_stored - 8);
  Image image;
  image.width = info_.columns;
  image.height = info_.rows;
  image.rgb.resize(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    image.rgb[i] = static_cast<uint8_t>(std::clamp(std::ldexp(samples[i], -shift), 0.0, 255.0));
  }
  return image;
}

namespace {

// The stored value of one sample: BitsStored bits ending at HighBit, sign-extended for
// PixelRepresentation 1. Also reinterprets JPEG 2000 output whose own signedness disagrees
// with the DICOM header, the way the header says.
double StoredValue(uint64_t raw, const DicomImageInfo& in) {
  const int shift = in.high_bit + 1 - in.bits_stored;
  const uint64_t mask = (in.bits_stored >= 64) ? ~uint64_t{0} : (uint64_t{1} << in.bits_stored) - 1;
  const uint64_t v = (raw >> shift) & mask;
  if (in.is_signed && (v >> (in.bits_stored - 1)) & 1) {
    return static_cast<double>(static_cast<int64_t>(v) - static_cast<int64_t>(mask) - 1);
  }
  return static_cast<double>(v);
}

// Pairs of pixels share one Cb/Cr in uncompressed YBR_FULL_422 (Y1 Y2 Cb Cr): spread them
// to three samples per pixel.
std::vector<double> Expand422(const std::vector<double>& packed, int rows, int columns) {
  std::vector<double> out(static_cast<size_t>(rows) * columns * 3);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x + 1 < columns + 1; x += 2) {
      const size_t in = (static_cast<size_t>(y) * columns + x) * 2;
      for (int k = 0; k < 2 && x + k < columns; ++k) {
        const size_t o = (static_cast<size_t>(y) * columns + x + k) * 3;
        out[o] = packed[in + k];
        out[o + 1] = packed[in + 2];
        out[o + 2] = packed[in + 3];
      }
    }
  }
  return out;
}

}  // namespace

std::vector<uint8_t> DicomFile::EncapsulatedFrame(int index) {
  const char* p = path_.c_str();
  DcmDataset* ds = impl_->file.getDataset();
  DcmElement* element = nullptr;
  HM_CHECK(ds->findAndGetElement(DCM_PixelData, element).good() && element, p, ": no pixel data");
  DcmPixelSequence* seq = nullptr;
  HM_CHECK(static_cast<DcmPixelData*>(element)
                   ->getEncapsulatedRepresentation(impl_->xfer, nullptr, seq)
                   .good() &&
               seq,
           p, ": compressed pixel data is not encapsulated");
  // Item 0 is the offset table. With one fragment per frame (required for RLE, the common
  // case for JPEG 2000) frame i is item i + 1; a single frame may span all fragments.
  const unsigned long items = seq->card();
  std::vector<uint8_t> bytes;
  auto append = [&](unsigned long item_index) {
    DcmPixelItem* item = nullptr;
    Uint8* data = nullptr;
    HM_CHECK(seq->getItem(item, item_index).good() && item &&
                 (item->getLength() == 0 || item->getUint8Array(data).good()),
             p, ": unreadable pixel data fragment ", item_index);
    if (data) bytes.insert(bytes.end(), data, data + item->getLength());
  };
  if (info_.frames == 1) {
    for (unsigned long i = 1; i < items; ++i) append(i);
  } else {
    HM_CHECK(items == static_cast<unsigned long>(info_.frames) + 1, p,
             ": multi-frame compressed data needs one fragment per frame (", items - 1,
             " fragments for ", info_.frames, " frames)");
    append(static_cast<unsigned long>(index) + 1);
  }
  HM_CHECK(!bytes.empty(), p, ": empty compressed frame ", index);
  return bytes;
}

std::vector<double> DicomFile::DecodeFrame(int index) {
  const DicomImageInfo& in = info_;
  const char* p = path_.c_str();
  HM_CHECK(index >= 0 && index < in.frames, p, ": frame ", index, " out of range");
  DcmDataset* ds = impl_->file.getDataset();
  const size_t pixels = static_cast<size_t>(in.rows) * in.columns;
  const size_t samples = pixels * in.samples_per_pixel;
  std::vector<double> out;
  std::string model = in.photometric;

  if (IsJpeg2000(impl_->xfer)) {
    const std::vector<uint8_t> stream = EncapsulatedFrame(index);
    const std::vector<double> decoded =
        DecodeJ2kFrame(stream, in.columns, in.rows, in.samples_per_pixel, p);
    out.resize(samples);
    for (size_t i = 0; i < samples; ++i) {
      out[i] = StoredValue(static_cast<uint64_t>(static_cast<int64_t>(decoded[i])), in);
    }
    // The codestream's multi-component transform has already turned YBR_ICT/RCT into RGB.
    if (model == "YBR_ICT" || model == "YBR_RCT") model = "RGB";
  } else if (in.bits_allocated == 1) {
    // Eight pixels per byte, least significant bit first; frames follow each other without
    // padding, so a frame may start inside a byte.
    DcmElement* element = nullptr;
    Uint8* bytes = nullptr;
    HM_CHECK(ds->findAndGetElement(DCM_PixelData, element).good() && element &&
                 element->getUint8Array(bytes).good() && bytes,
             p, ": unreadable 1-bit pixel data");
    const size_t first_bit = static_cast<size_t>(index) * pixels;
    HM_CHECK(element->getLength() * uint64_t{8} >= first_bit + pixels, p,
             ": pixel data is shorter than the image attributes need");
    out.resize(pixels);
    for (size_t i = 0; i < pixels; ++i) {
      const size_t bit = first_bit + i;
      out[i] = (bytes[bit / 8] >> (bit % 8)) & 1;
    }
  } else {
    DcmElement* element = nullptr;
    HM_CHECK(ds->findAndGetElement(DCM_PixelData, element).good() && element, p,
             ": no pixel data");
    const size_t bytes_per_sample = in.bits_allocated / 8;
    // Uncompressed YBR_FULL_422 stores two samples per pixel (Y1 Y2 Cb Cr per pair), which
    // DCMTK's frame sizing does not know about: read those bytes directly.
    const bool packed422 = model == "YBR_FULL_422" && in.bits_allocated == 8 &&
                           DcmXfer(impl_->xfer).isNotEncapsulated() &&
                           element->getLength() / 2 == pixels * in.frames;
    const size_t stored = packed422 ? pixels * 2 : samples;
    std::vector<uint8_t> buffer;
    OFString color_model;
    if (impl_->xfer == EXS_RLELossless) {
      buffer = DecodeRleFrame(EncapsulatedFrame(index), pixels, in.samples_per_pixel,
                              static_cast<int>(bytes_per_sample), p);
    } else if (packed422) {
      Uint8* bytes = nullptr;
      HM_CHECK(element->getUint8Array(bytes).good() && bytes, p, ": unreadable pixel data");
      buffer.assign(bytes + index * stored, bytes + (index + 1) * stored);
    } else {
      Uint32 frame_bytes = 0;
      OFCondition status = element->getUncompressedFrameSize(ds, frame_bytes);
      HM_CHECK(status.good(), p, ": cannot size frame (", status.text(), ")");
      HM_CHECK(frame_bytes == stored * bytes_per_sample, p, ": frame size ", frame_bytes,
               " does not match the image attributes");
      buffer.resize(frame_bytes + (frame_bytes & 1));
      Uint32 start = index == impl_->next_frame ? impl_->next_fragment : 0;
      status = element->getUncompressedFrame(ds, static_cast<Uint32>(index), start, buffer.data(),
                                             static_cast<Uint32>(buffer.size()), color_model);
      HM_CHECK(status.good(), p, ": cannot decode frame ", index, " (", status.text(), ")");
      impl_->next_fragment = start;
    }
    impl_->next_frame = index + 1;
    if (!color_model.empty()) model = color_model.c_str();
    // DCMTK byte-swaps big-endian OW pixel data in 16-bit words, which leaves the two halves
    // of a 32-bit sample in file order.
    const bool swap_halves = in.bits_allocated == 32 && element->getVR() == EVR_OW &&
                             DcmXfer(impl_->xfer).getByteOrder() == EBO_BigEndian;
    out.resize(stored);
    for (size_t i = 0; i < stored; ++i) {
      uint64_t raw = 0;
      if (bytes_per_sample == 1) {
        raw = buffer[i];
      } else if (bytes_per_sample == 2) {
        uint16_t v;
        std::memcpy(&v, &buffer[i * 2], 2);
        raw = v;
      } else {
        uint32_t v;
        std::memcpy(&v, &buffer[i * 4], 4);
        raw = swap_halves ? (v >> 16) | (v << 16) : v;
      }
      out[i] = StoredValue(raw, in);
    }
    if (packed422) {
      out = Expand422(out, in.rows, in.columns);
      model = "YBR_FULL";
    } else if (in.samples_per_pixel == 3 && impl_->planar_configuration == 1 &&
               DcmXfer(impl_->xfer).isNotEncapsulated()) {
      // Colour-by-plane (RRR..GGG..BBB) -> colour-by-pixel.
      std::vector<double> interleaved(samples);
      for (size_t px = 0; px < pixels; ++px) {
        for (int c = 0; c < 3; ++c) interleaved[px * 3 + c] = out[c * pixels + px];
      }
      out.swap(interleaved);
    }
  }
  if (model == "YBR_FULL" || model == "YBR_FULL_422") YbrFullToRgb(out);
  return out;
}

}  // namespace hm
