//! A small bit set of ids.

/// A set of small ids — rule indices in a [`crate::engine::Summary`], record path ids in
/// missing-data bookkeeping: a bit set, without allocation up to 256 ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSet {
    words: [u64; 4],
    more: Vec<u64>,
}

impl IdSet {
    /// Adds an id.
    #[inline]
    pub fn insert(&mut self, id: u32) {
        let (w, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        match self.words.get_mut(w) {
            Some(word) => *word |= bit,
            None => {
                let i = w - self.words.len();
                if self.more.len() <= i {
                    self.more.resize(i + 1, 0);
                }
                self.more[i] |= bit;
            }
        }
    }

    /// Whether the set holds `id`.
    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        let (w, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        let word = match self.words.get(w) {
            Some(word) => *word,
            None => self.more.get(w - self.words.len()).copied().unwrap_or(0),
        };
        word & bit != 0
    }

    /// True when the set holds no id.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.words == [0; 4] && self.more.iter().all(|w| *w == 0)
    }

    /// Removes every id.
    #[inline]
    pub fn clear(&mut self) {
        self.words = [0; 4];
        self.more.clear();
    }

    /// Adds every id of `other`.
    pub fn union(&mut self, other: &IdSet) {
        for (a, b) in self.words.iter_mut().zip(other.words) {
            *a |= b;
        }
        if self.more.len() < other.more.len() {
            self.more.resize(other.more.len(), 0);
        }
        for (a, b) in self.more.iter_mut().zip(&other.more) {
            *a |= b;
        }
    }

    /// Number of ids in the set.
    pub fn len(&self) -> usize {
        self.words
            .iter()
            .chain(self.more.iter())
            .map(|w| w.count_ones() as usize)
            .sum()
    }

    /// The ids in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words
            .iter()
            .chain(self.more.iter())
            .enumerate()
            .flat_map(|(w, &word)| {
                let mut bits = word;
                std::iter::from_fn(move || {
                    if bits == 0 {
                        return None;
                    }
                    let b = bits.trailing_zeros();
                    bits &= bits - 1;
                    Some(w as u32 * 64 + b)
                })
            })
    }

    /// The ids as a vector, ascending.
    pub fn to_vec(&self) -> Vec<u32> {
        self.iter().collect()
    }
}

impl FromIterator<u32> for IdSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> IdSet {
        let mut set = IdSet::default();
        for id in iter {
            set.insert(id);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets() {
        let s: IdSet = [3, 300, 64, 0, 3].into_iter().collect();
        assert_eq!(s.to_vec(), vec![0, 3, 64, 300]);
        assert_eq!(s.len(), 4);
        assert!(s.contains(300) && s.contains(0) && !s.contains(1) && !s.contains(9999));
        let mut t = IdSet::default();
        assert!(t.is_empty());
        t.insert(1000);
        t.union(&s);
        assert_eq!(t.to_vec(), vec![0, 3, 64, 300, 1000]);
        t.clear();
        assert!(t.is_empty());
    }
}
