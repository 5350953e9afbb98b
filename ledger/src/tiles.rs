//! The log as C2SP `tlog-tiles`: static, immutable resources anyone can mirror, from which a
//! client computes any root and proof itself. The layout and paths are the spec's; the
//! hashes are this log's (blake3, see [`crate::merkle`]).
//!
//! A tile at level `L`, index `N` holds up to 256 consecutive hashes of the tree's nodes of
//! height `8·L`: level 0 holds leaf hashes, level 1 the roots of the level-0 tiles, and so
//! on. A tile short of 256 hashes is *partial*, and its width is part of its path.

use crate::digest::Digest;
use crate::error::DecodeError;
use crate::merkle::NodeId;

/// Hashes in a full tile.
pub const WIDTH: u64 = 256;
/// Tree levels a tile spans.
pub const HEIGHT: u8 = 8;

/// One tile of hashes (or, with [`TilePath::Entries`], of entries) as served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    pub level: u8,
    pub index: u64,
    /// 1 to 256; under 256 is a partial tile.
    pub width: u16,
}

/// What a path under a log's prefix names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`
    Hashes(Tile),
    /// `tile/entries/<N>[.p/<W>]`: the entries behind the level-0 tile of that index.
    Entries(Tile),
}

/// `N` as zero-padded groups of three digits, all but the last prefixed by `x`:
/// 1234067 → `x001/x234/067`.
pub fn index_path(n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

impl Tile {
    /// The tile of `level` and `index` as it stands in a tree of `size` leaves: full, or
    /// partial, or `None` when the tree has no hash in it yet.
    pub fn in_tree(size: u64, level: u8, index: u64) -> Option<Self> {
        let nodes = nodes_at(size, level)?;
        let start = index.checked_mul(WIDTH)?;
        let width = nodes.checked_sub(start).filter(|w| *w > 0)?.min(WIDTH);
        Some(Self {
            level,
            index,
            width: width as u16,
        })
    }

    /// The path under the log's prefix, `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!("tile/{}/{}", self.level, self.tail())
    }

    /// The path of the entry bundle of this (level-0) tile's index and width.
    pub fn entries_path(&self) -> String {
        format!("tile/entries/{}", self.tail())
    }

    fn tail(&self) -> String {
        let mut s = index_path(self.index);
        if u64::from(self.width) < WIDTH {
            s.push_str(&format!(".p/{}", self.width));
        }
        s
    }

    /// The tree nodes this tile's hashes are, in order.
    pub fn nodes(&self) -> impl Iterator<Item = NodeId> {
        let (level, start) = (self.level * HEIGHT, self.index * WIDTH);
        (start..start + u64::from(self.width)).map(move |index| NodeId { level, index })
    }
}

/// How many complete nodes of tile level `level` (tree height `8·level`) a tree of `size`
/// has; `None` past the top.
fn nodes_at(size: u64, level: u8) -> Option<u64> {
    let shift = u32::from(level) * u32::from(HEIGHT);
    (shift < 64).then(|| size >> shift)
}

impl TilePath {
    /// Reads a path under a log's prefix, refusing every spelling but the canonical one.
    pub fn parse(path: &str) -> Result<Self, DecodeError> {
        let rest = path.strip_prefix("tile/").ok_or(DecodeError::BadSyntax)?;
        let (level, rest) = rest.split_once('/').ok_or(DecodeError::BadSyntax)?;
        let (index, width) = match rest.split_once(".p/") {
            Some((index, width)) => (index, parse_decimal(width, 1, WIDTH - 1)?),
            None => (rest, WIDTH),
        };
        let index = parse_index(index)?;
        let tile = |level| Tile {
            level,
            index,
            width: width as u16,
        };
        if level == "entries" {
            return Ok(Self::Entries(tile(0)));
        }
        Ok(Self::Hashes(tile(parse_decimal(level, 0, 63)? as u8)))
    }
}

/// A decimal without sign or leading zeros, within `min..=max`.
fn parse_decimal(s: &str, min: u64, max: u64) -> Result<u64, DecodeError> {
    if s.is_empty() || (s.len() > 1 && s.starts_with('0')) || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(DecodeError::BadSyntax);
    }
    s.parse::<u64>()
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or(DecodeError::OutOfRange)
}

/// The inverse of [`index_path`], canonical spelling only.
fn parse_index(s: &str) -> Result<u64, DecodeError> {
    let groups: Vec<&str> = s.split('/').collect();
    let mut n: u64 = 0;
    for (i, g) in groups.iter().enumerate() {
        let last = i + 1 == groups.len();
        let digits = if last {
            *g
        } else {
            g.strip_prefix('x').ok_or(DecodeError::BadSyntax)?
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DecodeError::BadSyntax);
        }
        // A leading group of zeros would be a second spelling of the same index.
        if i == 0 && !last && digits == "000" {
            return Err(DecodeError::BadSyntax);
        }
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(digits.parse::<u64>().ok()?))
            .ok_or(DecodeError::OutOfRange)?;
    }
    Ok(n)
}

/// The hashes of a tile, concatenated as served (32 bytes each).
pub fn encode_hashes(hashes: &[Digest]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

/// Reads a tile's bytes, which must hold exactly `tile.width` hashes.
pub fn decode_hashes(tile: &Tile, bytes: &[u8]) -> Result<Vec<Digest>, DecodeError> {
    if bytes.len() != usize::from(tile.width) * 32 {
        return Err(DecodeError::BadLength);
    }
    bytes.chunks_exact(32).map(Digest::from_slice).collect()
}

/// An entry bundle: each entry preceded by its length as a big-endian `u16`.
pub fn encode_bundle<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    for e in entries {
        let len = u16::try_from(e.len()).map_err(|_| DecodeError::TooLong)?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

/// Splits an entry bundle into its entries.
pub fn decode_bundle(mut bytes: &[u8]) -> Result<Vec<&[u8]>, DecodeError> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (len, rest) = bytes
            .split_at_checked(2)
            .ok_or(DecodeError::UnexpectedEnd)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        let (entry, rest) = rest
            .split_at_checked(len)
            .ok_or(DecodeError::UnexpectedEnd)?;
        out.push(entry);
        bytes = rest;
    }
    Ok(out)
}

/// The tiles of a tree of `size` that hold `nodes` (perfect subtrees inside the tree): a
/// client fetches these, then answers each node with [`node_from_tiles`].
pub fn tiles_for(size: u64, nodes: &[NodeId]) -> Vec<Tile> {
    let mut tiles: Vec<Tile> = nodes
        .iter()
        .filter_map(|id| {
            let (level, below) = (id.level / HEIGHT, id.level % HEIGHT);
            let first = id.index << below;
            Tile::in_tree(size, level, first / WIDTH)
        })
        .collect();
    tiles.sort_unstable();
    tiles.dedup();
    tiles
}

/// A node's hash from tiles: read at the tile level just below it, then hashed up the
/// remaining levels. `tile` answers a tile's hashes (as fetched for the tree's size).
pub fn node_from_tiles<'a>(
    size: u64,
    id: NodeId,
    tile: impl Fn(&Tile) -> Option<&'a [Digest]>,
) -> Option<Digest> {
    let (level, below) = (id.level / HEIGHT, id.level % HEIGHT);
    let first = id.index << below;
    let count = 1u64 << below;
    let t = Tile::in_tree(size, level, first / WIDTH)?;
    let hashes = tile(&t)?;
    let offset = (first % WIDTH) as usize;
    let mut row = hashes.get(offset..offset + count as usize)?.to_vec();
    while row.len() > 1 {
        row = row
            .chunks_exact(2)
            .map(|p| Digest::node(&p[0], &p[1]))
            .collect();
    }
    row.pop()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_the_specs() {
        assert_eq!(index_path(1_234_067), "x001/x234/067");
        assert_eq!(index_path(0), "000");
        assert_eq!(index_path(1000), "x001/000");
        let t = Tile {
            level: 1,
            index: 1_234_067,
            width: 8,
        };
        assert_eq!(t.path(), "tile/1/x001/x234/067.p/8");
        assert_eq!(TilePath::parse(&t.path()), Ok(TilePath::Hashes(t)));
        assert_eq!(
            TilePath::parse("tile/entries/x001/000"),
            Ok(TilePath::Entries(Tile {
                level: 0,
                index: 1000,
                width: 256
            }))
        );
        for bad in [
            "tile/01/000",
            "tile/64/000",
            "tile/0/0",
            "tile/0/x000/001",
            "tile/0/001.p/256",
            "tile/0/001.p/0",
            "tile/0/001.p/08",
            "tile/0/x1/001",
            "tile/0/001/x001",
            "tiles/0/000",
        ] {
            assert!(TilePath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bundles_round_trip() {
        let entries: [&[u8]; 3] = [b"a", b"", &[7; 300]];
        let bundle = encode_bundle(entries).unwrap();
        assert_eq!(decode_bundle(&bundle).unwrap(), entries.to_vec());
        assert!(decode_bundle(&bundle[..bundle.len() - 1]).is_err());
        assert!(encode_bundle([&[0u8; 70_000][..]]).is_err());
    }
}
