//! Ledger entries: what happened to which subject, when, by whom, linked to the subject's
//! previous entry. The byte layout is specified in `docs/ledger-format.md`.

use serde::{Deserialize, Serialize};

use crate::code::{CoopCode, TreeCode, ZoneCode};
use crate::codec::{Reader, Writer};
use crate::date::Date;
use crate::digest::Digest;
use crate::error::DecodeError;
use crate::keys::SignedRotation;

/// Version byte of the entry encoding.
pub const ENTRY_VERSION: u8 = 1;
/// The most photos one entry may reference.
pub const MAX_PHOTOS: usize = 32;

/// What an entry is about. Each subject's entries form one hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "code", rename_all = "snake_case")]
pub enum Subject {
    Cooperative,
    Zone(ZoneCode),
    Tree(TreeCode),
}

impl Subject {
    fn tag(&self) -> u8 {
        match self {
            Self::Cooperative => 0,
            Self::Zone(_) => 1,
            Self::Tree(_) => 2,
        }
    }
    fn code(&self) -> &str {
        match self {
            Self::Cooperative => "",
            Self::Zone(z) => z.as_str(),
            Self::Tree(t) => t.as_str(),
        }
    }
    fn from_parts(tag: u8, code: &str) -> Result<Self, DecodeError> {
        match tag {
            0 if code.is_empty() => Ok(Self::Cooperative),
            0 => Err(DecodeError::InvalidCode),
            1 => ZoneCode::parse(code).map(Self::Zone),
            2 => TreeCode::parse(code).map(Self::Tree),
            t => Err(DecodeError::BadTag(t)),
        }
    }
}

/// A GPS point in micro-degrees (about 11 cm), integers so that it encodes exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeoPoint {
    pub lat_micro: i32,
    pub lon_micro: i32,
}

impl GeoPoint {
    pub fn new(lat_micro: i32, lon_micro: i32) -> Result<Self, DecodeError> {
        // unsigned_abs: i32::MIN has no positive counterpart (found by the fuzzer).
        if lat_micro.unsigned_abs() > 90_000_000 || lon_micro.unsigned_abs() > 180_000_000 {
            return Err(DecodeError::OutOfRange);
        }
        Ok(Self {
            lat_micro,
            lon_micro,
        })
    }
    pub fn from_degrees(lat: f64, lon: f64) -> Result<Self, DecodeError> {
        if !lat.is_finite() || !lon.is_finite() {
            return Err(DecodeError::OutOfRange);
        }
        Self::new((lat * 1e6).round() as i32, (lon * 1e6).round() as i32)
    }
    pub fn lat(&self) -> f64 {
        f64::from(self.lat_micro) / 1e6
    }
    pub fn lon(&self) -> f64 {
        f64::from(self.lon_micro) / 1e6
    }
}

/// A unit an input is measured in (tag byte in the encoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    G = 1,
    Kg = 2,
    Ml = 3,
    L = 4,
}

impl Unit {
    fn from_tag(t: u8) -> Result<Self, DecodeError> {
        Ok(match t {
            1 => Self::G,
            2 => Self::Kg,
            3 => Self::Ml,
            4 => Self::L,
            _ => return Err(DecodeError::OutOfRange),
        })
    }
    /// The unit's symbol, the same in Vietnamese and English.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::G => "g",
            Self::Kg => "kg",
            Self::Ml => "ml",
            Self::L => "l",
        }
    }
    pub fn from_symbol(s: &str) -> Option<Self> {
        [Self::G, Self::Kg, Self::Ml, Self::L]
            .into_iter()
            .find(|u| u.symbol() == s)
    }
}

/// An amount in thousandths of its unit (exact: 2,5 kg is 2500 thousandths of kg), more
/// than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quantity {
    pub thousandths: u64,
    pub unit: Unit,
}

impl Quantity {
    pub fn new(thousandths: u64, unit: Unit) -> Result<Self, DecodeError> {
        if thousandths == 0 {
            return Err(DecodeError::OutOfRange);
        }
        Ok(Self { thousandths, unit })
    }
}

/// What happened. Each kind has a stable numeric tag; a verifier that meets a tag it does
/// not know keeps the body as `Unknown` and still verifies hashes and proofs, so new
/// kinds never break old verifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// Tag 1: a growing zone enters the register.
    ZoneRegistered {
        name: String,
        area_m2: u64,
        crops: Vec<String>,
    },
    /// Tag 2: a tree enters the register.
    TreeRegistered {
        species: String,
        variety: String,
        zone: Option<ZoneCode>,
        planted_on: Date,
        location: Option<GeoPoint>,
    },
    /// Tag 3: the tree leaves the register (`active` false: died, cut down) or returns to
    /// it (`active` true), with the reason.
    StatusChanged { active: bool, reason: String },
    /// Tag 10 (tưới).
    Watered { litres: Option<u32> },
    /// Tag 11 (bón phân); amount in grams.
    Fertilised { product: String, amount_g: u64 },
    /// Tag 12 (tỉa cành).
    Pruned { note: String },
    /// Tag 13 (phun thuốc); `phi_days` is the pre-harvest interval (thời gian cách ly).
    Sprayed {
        product: String,
        active_ingredient: String,
        dose: String,
        phi_days: u16,
    },
    /// Tag 14 (bao trái).
    Bagged { fruits: u32 },
    /// Tag 15 (ra hoa).
    Flowering { note: String },
    /// Tag 16; severity 1 (low) to 3 (high).
    PestObserved {
        pest: String,
        severity: u8,
        note: String,
    },
    /// Tag 17 (thu hoạch); weight in grams.
    Harvested { grams: u64 },
    /// Tag 18: a free-text diary note.
    Note { text: String },
    /// Tag 19 (bón phân) with the product's lot, what a recall searches by; supersedes 11.
    FertilisedLot {
        product: String,
        amount: Quantity,
        lot: String,
    },
    /// Tag 20 (phun thuốc) with the product's lot; supersedes 13.
    SprayedLot {
        product: String,
        active_ingredient: String,
        dose: String,
        lot: String,
        phi_days: u16,
    },
    /// Tag 21 (đậu quả): fruits counted after flowering.
    FruitSet { fruits: u32, note: String },
    /// Tag 22 (thu hoạch) with the grade; supersedes 17.
    HarvestedGraded { grams: u64, grade: String },
    /// Tag 30: an earlier entry was wrong and is withdrawn. History is never edited; it is
    /// corrected.
    Correction { corrects: Digest, reason: String },
    /// Tag 31: an earlier entry was wrong; `replacement` is what it should have said (a
    /// care kind, tags 10–22).
    Amended {
        corrects: Digest,
        reason: String,
        replacement: Box<Kind>,
    },
    /// Tag 40 (nhận nuôi cây): a buyer adopted the tree for a season.
    Adopted { adoption: String, season: String },
    /// Tag 50: the cooperative's signing key was rotated.
    KeyRotated { rotation: Box<SignedRotation> },
    /// A tag this version does not know, kept byte for byte.
    Unknown { tag: u16, body: Vec<u8> },
}

impl Kind {
    /// The kind's stable numeric tag.
    pub fn tag(&self) -> u16 {
        match self {
            Self::ZoneRegistered { .. } => 1,
            Self::TreeRegistered { .. } => 2,
            Self::StatusChanged { .. } => 3,
            Self::Watered { .. } => 10,
            Self::Fertilised { .. } => 11,
            Self::Pruned { .. } => 12,
            Self::Sprayed { .. } => 13,
            Self::Bagged { .. } => 14,
            Self::Flowering { .. } => 15,
            Self::PestObserved { .. } => 16,
            Self::Harvested { .. } => 17,
            Self::Note { .. } => 18,
            Self::FertilisedLot { .. } => 19,
            Self::SprayedLot { .. } => 20,
            Self::FruitSet { .. } => 21,
            Self::HarvestedGraded { .. } => 22,
            Self::Correction { .. } => 30,
            Self::Amended { .. } => 31,
            Self::Adopted { .. } => 40,
            Self::KeyRotated { .. } => 50,
            Self::Unknown { tag, .. } => *tag,
        }
    }

    /// Care recorded in a tree's diary (tags 10–22): what an amendment may replace.
    pub fn is_care_tag(tag: u16) -> bool {
        (10..=22).contains(&tag)
    }

    fn encode_body(&self) -> Vec<u8> {
        let mut w = Writer::new();
        match self {
            Self::ZoneRegistered {
                name,
                area_m2,
                crops,
            } => {
                w.str(name).u64(*area_m2).u32(crops.len() as u32);
                for c in crops {
                    w.str(c);
                }
            }
            Self::TreeRegistered {
                species,
                variety,
                zone,
                planted_on,
                location,
            } => {
                w.str(species).str(variety);
                w.opt(zone.as_ref(), |w, z| {
                    w.str(z.as_str());
                });
                date(&mut w, planted_on);
                w.opt(location.as_ref(), |w, p| {
                    w.i32(p.lat_micro).i32(p.lon_micro);
                });
            }
            Self::Watered { litres } => {
                w.opt(*litres, |w, l| {
                    w.u32(l);
                });
            }
            Self::Fertilised { product, amount_g } => {
                w.str(product).u64(*amount_g);
            }
            Self::Pruned { note } | Self::Flowering { note } => {
                w.str(note);
            }
            Self::Note { text } => {
                w.str(text);
            }
            Self::StatusChanged { active, reason } => {
                w.u8(u8::from(*active)).str(reason);
            }
            Self::Sprayed {
                product,
                active_ingredient,
                dose,
                phi_days,
            } => {
                w.str(product)
                    .str(active_ingredient)
                    .str(dose)
                    .u16(*phi_days);
            }
            Self::Bagged { fruits } => {
                w.u32(*fruits);
            }
            Self::PestObserved {
                pest,
                severity,
                note,
            } => {
                w.str(pest).u8(*severity).str(note);
            }
            Self::Harvested { grams } => {
                w.u64(*grams);
            }
            Self::FertilisedLot {
                product,
                amount,
                lot,
            } => {
                w.str(product)
                    .u64(amount.thousandths)
                    .u8(amount.unit as u8)
                    .str(lot);
            }
            Self::SprayedLot {
                product,
                active_ingredient,
                dose,
                lot,
                phi_days,
            } => {
                w.str(product)
                    .str(active_ingredient)
                    .str(dose)
                    .str(lot)
                    .u16(*phi_days);
            }
            Self::FruitSet { fruits, note } => {
                w.u32(*fruits).str(note);
            }
            Self::HarvestedGraded { grams, grade } => {
                w.u64(*grams).str(grade);
            }
            Self::Correction { corrects, reason } => {
                w.raw(&corrects.0).str(reason);
            }
            Self::Amended {
                corrects,
                reason,
                replacement,
            } => {
                w.raw(&corrects.0)
                    .str(reason)
                    .u16(replacement.tag())
                    .bytes(&replacement.encode_body());
            }
            Self::Adopted { adoption, season } => {
                w.str(adoption).str(season);
            }
            Self::KeyRotated { rotation } => {
                w.raw(&rotation.encode());
            }
            Self::Unknown { body, .. } => {
                w.raw(body);
            }
        }
        w.finish()
    }

    fn decode_body(tag: u16, body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let kind = match tag {
            1 => {
                let name = r.string()?;
                let area_m2 = r.u64()?;
                let n = r.count(4)?;
                let crops = (0..n).map(|_| r.string()).collect::<Result<_, _>>()?;
                Self::ZoneRegistered {
                    name,
                    area_m2,
                    crops,
                }
            }
            2 => Self::TreeRegistered {
                species: r.string()?,
                variety: r.string()?,
                zone: r.opt(|r| ZoneCode::parse(r.str()?))?,
                planted_on: read_date(&mut r)?,
                location: r.opt(|r| GeoPoint::new(r.i32()?, r.i32()?))?,
            },
            10 => Self::Watered {
                litres: r.opt(|r| r.u32())?,
            },
            11 => Self::Fertilised {
                product: r.string()?,
                amount_g: r.u64()?,
            },
            12 => Self::Pruned { note: r.string()? },
            13 => Self::Sprayed {
                product: r.string()?,
                active_ingredient: r.string()?,
                dose: r.string()?,
                phi_days: r.u16()?,
            },
            14 => Self::Bagged { fruits: r.u32()? },
            15 => Self::Flowering { note: r.string()? },
            16 => {
                let pest = r.string()?;
                let severity = r.u8()?;
                if !(1..=3).contains(&severity) {
                    return Err(DecodeError::OutOfRange);
                }
                Self::PestObserved {
                    pest,
                    severity,
                    note: r.string()?,
                }
            }
            17 => Self::Harvested { grams: r.u64()? },
            18 => Self::Note { text: r.string()? },
            3 => Self::StatusChanged {
                active: match r.u8()? {
                    0 => false,
                    1 => true,
                    _ => return Err(DecodeError::OutOfRange),
                },
                reason: r.string()?,
            },
            19 => Self::FertilisedLot {
                product: r.string()?,
                amount: Quantity::new(r.u64()?, Unit::from_tag(r.u8()?)?)?,
                lot: r.string()?,
            },
            20 => Self::SprayedLot {
                product: r.string()?,
                active_ingredient: r.string()?,
                dose: r.string()?,
                lot: r.string()?,
                phi_days: r.u16()?,
            },
            21 => Self::FruitSet {
                fruits: r.u32()?,
                note: r.string()?,
            },
            22 => Self::HarvestedGraded {
                grams: r.u64()?,
                grade: r.string()?,
            },
            31 => {
                let corrects = Digest(r.array()?);
                let reason = r.string()?;
                let tag = r.u16()?;
                if !Self::is_care_tag(tag) {
                    return Err(DecodeError::OutOfRange);
                }
                Self::Amended {
                    corrects,
                    reason,
                    replacement: Box::new(Self::decode_body(tag, r.bytes()?)?),
                }
            }
            30 => Self::Correction {
                corrects: Digest(r.array()?),
                reason: r.string()?,
            },
            40 => Self::Adopted {
                adoption: r.string()?,
                season: r.string()?,
            },
            50 => {
                // The rotation is the rest of the body; SignedRotation::decode checks its end.
                let rest = r.take(body.len())?;
                return Ok(Self::KeyRotated {
                    rotation: Box::new(SignedRotation::decode(rest)?),
                });
            }
            tag => {
                return Ok(Self::Unknown {
                    tag,
                    body: body.to_vec(),
                })
            }
        };
        r.finish()?;
        Ok(kind)
    }
}

fn date(w: &mut Writer, d: &Date) {
    w.u16(d.year()).u8(d.month()).u8(d.day());
}

fn read_date(r: &mut Reader<'_>) -> Result<Date, DecodeError> {
    Date::new(r.u16()?, r.u8()?, r.u8()?)
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub cooperative: CoopCode,
    /// Position in the cooperative's log, from 0; equal to its Merkle leaf index.
    pub seq: u64,
    pub subject: Subject,
    /// Hash of this subject's previous entry; `None` for the subject's first entry.
    pub prev: Option<Digest>,
    /// When the author's device recorded it (unix ms). Untrusted: devices' clocks drift.
    pub recorded_at: i64,
    /// When the server received it (unix ms).
    pub received_at: i64,
    /// Who recorded it: the cooperative's member reference, never a phone number.
    pub author: String,
    /// blake3 content hashes of the photos (the photo bytes live outside the log).
    pub photos: Vec<Digest>,
    pub kind: Kind,
}

impl Entry {
    /// The canonical encoding (see `docs/ledger-format.md`, "Entry").
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(ENTRY_VERSION)
            .str(self.cooperative.as_str())
            .u64(self.seq)
            .u8(self.subject.tag())
            .str(self.subject.code());
        w.opt(self.prev.as_ref(), |w, p| {
            w.raw(&p.0);
        });
        w.i64(self.recorded_at)
            .i64(self.received_at)
            .str(&self.author)
            .u32(self.photos.len() as u32);
        for p in &self.photos {
            w.raw(&p.0);
        }
        w.u16(self.kind.tag()).bytes(&self.kind.encode_body());
        w.finish()
    }

    /// Decodes and fully validates an entry: codes, dates, ranges and the kind's body.
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let v = EntryView::parse(bytes)?;
        let mut photos = Vec::with_capacity(v.photos.len() / 32);
        for p in v.photos.chunks_exact(32) {
            photos.push(Digest::from_slice(p)?);
        }
        Ok(Self {
            cooperative: CoopCode::parse(v.cooperative)?,
            seq: v.seq,
            subject: Subject::from_parts(v.subject_tag, v.subject_code)?,
            prev: v.prev,
            recorded_at: v.recorded_at,
            received_at: v.received_at,
            author: v.author.to_owned(),
            photos,
            kind: Kind::decode_body(v.kind_tag, v.kind_body)?,
        })
    }

    /// The entry's hash, `blake3(0x00 || encoding)`: both its Merkle leaf hash and the
    /// value the subject's next entry links to.
    pub fn hash(&self) -> Digest {
        Digest::leaf(&self.encode())
    }
}

/// A borrowed, allocation-free reading of an entry's frame, for verifying long chains fast.
/// It checks the frame (lengths, tags, UTF-8) but leaves the kind's body unparsed.
#[derive(Debug, Clone, Copy)]
pub struct EntryView<'a> {
    pub cooperative: &'a str,
    pub seq: u64,
    pub subject_tag: u8,
    pub subject_code: &'a str,
    pub prev: Option<Digest>,
    pub recorded_at: i64,
    pub received_at: i64,
    pub author: &'a str,
    /// The concatenated 32-byte photo hashes.
    pub photos: &'a [u8],
    pub kind_tag: u16,
    pub kind_body: &'a [u8],
}

impl<'a> EntryView<'a> {
    pub fn parse(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.u8()?;
        if version != ENTRY_VERSION {
            return Err(DecodeError::UnsupportedVersion(version));
        }
        let cooperative = r.str()?;
        let seq = r.u64()?;
        let subject_tag = r.u8()?;
        let subject_code = r.str()?;
        let prev = r.opt(|r| r.array().map(Digest))?;
        let recorded_at = r.i64()?;
        let received_at = r.i64()?;
        let author = r.str()?;
        let n = r.count(32)?;
        if n > MAX_PHOTOS {
            return Err(DecodeError::TooLong);
        }
        let photos = r.take(n * 32)?;
        let kind_tag = r.u16()?;
        let kind_body = r.bytes()?;
        r.finish()?;
        Ok(Self {
            cooperative,
            seq,
            subject_tag,
            subject_code,
            prev,
            recorded_at,
            received_at,
            author,
            photos,
            kind_tag,
            kind_body,
        })
    }

    fn same_subject(&self, other: &EntryView<'_>) -> bool {
        self.cooperative == other.cooperative
            && self.subject_tag == other.subject_tag
            && self.subject_code == other.subject_code
    }
}

/// The facts a verified chain establishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    pub len: usize,
    pub head: Digest,
}

/// Verifies one subject's chain, given in order from its first entry: every entry is
/// well framed, of the same cooperative and subject, links to the one before by hash, and
/// has a larger sequence number than the one before. Reports the first failure.
pub fn verify_chain<B: AsRef<[u8]>>(entries: &[B]) -> Result<ChainHead, crate::VerifyError> {
    use crate::VerifyError as E;
    let mut last: Option<(EntryView<'_>, Digest)> = None;
    for (index, bytes) in entries.iter().enumerate() {
        let bytes = bytes.as_ref();
        let view = EntryView::parse(bytes).map_err(E::at(index))?;
        let hash = Digest::leaf(bytes);
        match &last {
            None if view.prev.is_some() => return Err(E::MissingGenesis),
            None => {}
            Some((before, before_hash)) => {
                if !view.same_subject(before) {
                    return Err(E::WrongSubject { index });
                }
                if hash == *before_hash {
                    return Err(E::Duplicate { index });
                }
                if view.prev.is_some() && view.prev == before.prev {
                    return Err(E::Fork { index });
                }
                if view.prev != Some(*before_hash) {
                    return Err(E::BrokenLink { index });
                }
                if view.seq <= before.seq {
                    return Err(E::SequenceNotIncreasing {
                        index,
                        previous: before.seq,
                        found: view.seq,
                    });
                }
            }
        }
        last = Some((view, hash));
    }
    Ok(ChainHead {
        len: entries.len(),
        head: last.map_or(Digest::empty(), |(_, h)| h),
    })
}
