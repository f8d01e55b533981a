//! The binary layout of godoctor's cache indexes ([`super::index`], [`super::dirindex`]): a
//! header (the format's name, a NUL, its version as a little-endian `u32`), then fixed-width
//! little-endian numbers and strings prefixed by their length (`u32`).
//!
//! Hand-written rather than serde with postcard or bincode: the records are flat, the reader
//! is a cursor over one byte slice with bounds checks, and it adds no dependency. Every read is
//! checked: a short, truncated or corrupt file is an error (the index is then rebuilt), never
//! a panic or a huge allocation (a count is refused when the bytes left cannot hold it).

/// Why bytes are not a file of this layout.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("the file ends early (at byte {0})")]
    Short(usize),
    #[error("a string is not UTF-8 (at byte {0})")]
    NotUtf8(usize),
    #[error("{0} bytes are left over at the end")]
    Trailing(usize),
}

/// Builds a file: header first, then the fields in order.
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new(format: &str, version: u32, capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity + format.len() + 5);
        buf.extend_from_slice(format.as_bytes());
        buf.push(0);
        buf.extend_from_slice(&version.to_le_bytes());
        Writer { buf }
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// A count of what follows (lengths beyond `u32` cannot occur in an index).
    pub fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).unwrap_or(u32::MAX));
    }

    pub fn str(&mut self, s: &str) {
        self.len(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// The header of `bytes`: the format's name and version, and the reader of the rest. `None`:
/// no header of this layout (another kind of file, or an index of an older, JSON, format).
pub fn open(bytes: &[u8]) -> Option<(&str, u32, Reader<'_>)> {
    let nul = bytes.iter().take(128).position(|&b| b == 0)?;
    let name = std::str::from_utf8(&bytes[..nul]).ok()?;
    let mut r = Reader {
        buf: bytes,
        pos: nul + 1,
    };
    let version = r.u32().ok()?;
    Some((name, version, r))
}

/// A cursor over a file's fields.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], ReadError> {
        let end = self.pos.checked_add(N).ok_or(ReadError::Short(self.pos))?;
        let bytes = self
            .buf
            .get(self.pos..end)
            .ok_or(ReadError::Short(self.pos))?;
        self.pos = end;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8, ReadError> {
        Ok(self.take::<1>()?[0])
    }

    pub fn u32(&mut self) -> Result<u32, ReadError> {
        Ok(u32::from_le_bytes(self.take()?))
    }

    pub fn u64(&mut self) -> Result<u64, ReadError> {
        Ok(u64::from_le_bytes(self.take()?))
    }

    pub fn i64(&mut self) -> Result<i64, ReadError> {
        Ok(i64::from_le_bytes(self.take()?))
    }

    /// A count of items that take at least `min_size` bytes each: refused when the bytes left
    /// cannot hold them (a corrupt count never reserves gigabytes).
    pub fn len(&mut self, min_size: usize) -> Result<usize, ReadError> {
        let at = self.pos;
        let n = self.u32()? as usize;
        if n.saturating_mul(min_size.max(1)) > self.buf.len() - self.pos {
            return Err(ReadError::Short(at));
        }
        Ok(n)
    }

    pub fn str(&mut self) -> Result<&'a str, ReadError> {
        let n = self.len(1)?;
        let at = self.pos;
        let bytes = &self.buf[at..at + n];
        self.pos += n;
        std::str::from_utf8(bytes).map_err(|_| ReadError::NotUtf8(at))
    }

    /// The file must end here.
    pub fn end(&self) -> Result<(), ReadError> {
        match self.buf.len() - self.pos {
            0 => Ok(()),
            n => Err(ReadError::Trailing(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip_and_bad_files_are_errors() {
        let mut w = Writer::new("test format", 7, 0);
        w.str("héllo");
        w.u8(3);
        w.u64(u64::MAX);
        w.i64(-5);
        w.len(2);
        let bytes = w.finish();
        let (name, version, mut r) = open(&bytes).expect("header");
        assert_eq!((name, version), ("test format", 7));
        assert_eq!(r.str(), Ok("héllo"));
        assert_eq!(r.u8(), Ok(3));
        assert_eq!(r.u64(), Ok(u64::MAX));
        assert_eq!(r.i64(), Ok(-5));
        // Two items of 8 bytes each do not fit in what is left (nothing).
        assert!(matches!(r.len(8), Err(ReadError::Short(_))));
        assert!(open(b"{\"format\":\"json\"}").is_none());
        for cut in 0..bytes.len() {
            let Some((_, _, mut r)) = open(&bytes[..cut]) else {
                continue;
            };
            let all = (|| {
                r.str()?;
                r.u8()?;
                r.u64()?;
                r.i64()?;
                r.len(0)?;
                r.end()
            })();
            assert!(all.is_err(), "cut at {cut}");
        }
    }
}
