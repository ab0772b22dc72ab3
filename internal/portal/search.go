package portal

import (
	"math/bits"
	"slices"
	"strings"
)

// textIndex finds the entries whose text holds every word of a query. A
// word matches wherever it occurs in an entry's text (so 逐时 finds 逐时降水量,
// in a language written without spaces); to answer without reading every
// entry's text, each entry's distinct byte trigrams are indexed (the scheme
// of Russ Cox's "Regular Expression Matching with a Trigram Index"), the
// posting lists of a query's trigrams are intersected, and only the entries
// left are checked with strings.Contains. Words shorter than three bytes
// narrow nothing and are only checked.
//
// Documents are small integers handed out and taken back as entries come
// and go, so a candidate set is a bitset of about one bit per listed entry.
type textIndex struct {
	postings map[uint32][]uint32 // trigram -> sorted document numbers
	text     []string            // document number -> its text ("" when free)
	free     []uint32
}

func newTextIndex() *textIndex { return &textIndex{postings: map[uint32][]uint32{}} }

// add indexes text and returns its document number.
func (x *textIndex) add(text string) uint32 {
	var doc uint32
	if n := len(x.free); n > 0 {
		doc, x.free = x.free[n-1], x.free[:n-1]
		x.text[doc] = text
	} else {
		doc = uint32(len(x.text))
		x.text = append(x.text, text)
	}
	for _, t := range trigrams(text) {
		x.post(t, doc)
	}
	return doc
}

// replace gives doc a new text, touching only the posting lists of the
// trigrams that differ (an edit leaves most of an entry's trigrams, whose
// lists are the longest, as they were).
func (x *textIndex) replace(doc uint32, text string) {
	old, now := trigrams(x.text[doc]), trigrams(text)
	x.text[doc] = text
	i, j := 0, 0
	for i < len(old) || j < len(now) {
		switch {
		case j == len(now) || (i < len(old) && old[i] < now[j]):
			x.unpost(old[i], doc)
			i++
		case i == len(old) || now[j] < old[i]:
			x.post(now[j], doc)
			j++
		default:
			i, j = i+1, j+1
		}
	}
}

func (x *textIndex) post(t, doc uint32) {
	p := x.postings[t]
	if i, found := slices.BinarySearch(p, doc); !found {
		x.postings[t] = slices.Insert(p, i, doc)
	}
}

func (x *textIndex) unpost(t, doc uint32) {
	p := x.postings[t]
	if i, ok := slices.BinarySearch(p, doc); ok {
		p = slices.Delete(p, i, i+1)
	}
	if len(p) == 0 {
		delete(x.postings, t)
	} else {
		x.postings[t] = p
	}
}

// remove forgets a document.
func (x *textIndex) remove(doc uint32) {
	for _, t := range trigrams(x.text[doc]) {
		x.unpost(t, doc)
	}
	x.text[doc] = ""
	x.free = append(x.free, doc)
}

// candidates returns the documents that may hold every word, or nil when
// the words narrow nothing (all shorter than a trigram). A non-nil empty
// set means no document can match.
func (x *textIndex) candidates(words []string) bitset {
	var lists [][]uint32
	for _, w := range words {
		for _, t := range trigrams(w) {
			p, ok := x.postings[t]
			if !ok {
				return bitset{}
			}
			lists = append(lists, p)
		}
	}
	if len(lists) == 0 {
		return nil
	}
	slices.SortFunc(lists, func(a, b []uint32) int { return len(a) - len(b) })
	docs := slices.Clone(lists[0])
	for _, p := range lists[1:] {
		if docs = intersect(docs, p); len(docs) == 0 {
			return bitset{}
		}
	}
	set := make(bitset, (len(x.text)+63)/64)
	for _, d := range docs {
		set.add(d)
	}
	return set
}

// matches reports whether doc's text holds every word.
func (x *textIndex) matches(doc uint32, words []string) bool {
	for _, w := range words {
		if !strings.Contains(x.text[doc], w) {
			return false
		}
	}
	return true
}

// intersect keeps in a (reused) the elements also in b; both sorted.
func intersect(a, b []uint32) []uint32 {
	out := a[:0]
	j := 0
	for _, v := range a {
		for j < len(b) && b[j] < v {
			j++
		}
		if j == len(b) {
			break
		}
		if b[j] == v {
			out = append(out, v)
		}
	}
	return out
}

// trigrams lists the distinct byte trigrams of s, leaving out those that
// span a line break (the separator between an entry's fields, which no
// query word holds).
func trigrams(s string) []uint32 {
	if len(s) < 3 {
		return nil
	}
	out := make([]uint32, 0, len(s)-2)
	for i := 0; i+3 <= len(s); i++ {
		a, b, c := s[i], s[i+1], s[i+2]
		if a == '\n' || b == '\n' || c == '\n' {
			continue
		}
		out = append(out, uint32(a)<<16|uint32(b)<<8|uint32(c))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// bitset is a set of document numbers.
type bitset []uint64

func (s bitset) add(d uint32) { s[d/64] |= 1 << (d % 64) }

func (s bitset) has(d uint32) bool {
	return int(d/64) < len(s) && s[d/64]&(1<<(d%64)) != 0
}

func (s bitset) len() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// queryWords splits a query into the lower-case words every entry must hold.
func queryWords(q string) []string { return strings.Fields(strings.ToLower(neutral(q))) }
