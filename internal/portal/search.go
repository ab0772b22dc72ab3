package portal

import (
	"math/bits"
	"slices"
	"strings"
)

// textIndex finds the entries whose text holds every word of a query and
// that carry every facet term of its filters (subject, data type,
// sharing). A word matches wherever it occurs in an entry's text (so 逐时
// finds 逐时降水量, in a language written without spaces); to answer without
// reading every entry's text, each entry's distinct byte trigrams are
// indexed (the scheme of Russ Cox's "Regular Expression Matching with a
// Trigram Index"), the posting lists of a query's trigrams and terms are
// intersected, and only the entries left are checked with strings.Contains.
// Words shorter than three bytes narrow nothing and are only checked; a
// term is exact.
//
// Documents are small integers handed out and taken back as entries come
// and go, so a candidate set is a bitset of about one bit per listed entry.
type textIndex struct {
	postings map[uint32][]uint32 // trigram -> sorted document numbers
	terms    map[string][]uint32 // facet term -> sorted document numbers
	text     []string            // document number -> its text ("" when free)
	docTerms [][]string          // document number -> its sorted terms
	free     []uint32
}

func newTextIndex() *textIndex {
	return &textIndex{postings: map[uint32][]uint32{}, terms: map[string][]uint32{}}
}

// add indexes a document and returns its number.
func (x *textIndex) add(text string, terms []string) uint32 {
	var doc uint32
	if n := len(x.free); n > 0 {
		doc, x.free = x.free[n-1], x.free[:n-1]
	} else {
		doc = uint32(len(x.text))
		x.text, x.docTerms = append(x.text, ""), append(x.docTerms, nil)
	}
	x.replace(doc, text, terms)
	return doc
}

// replace gives doc a new text and terms, touching only the posting lists
// of the trigrams and terms that differ (an edit leaves most of an entry's
// trigrams, whose lists are the longest, as they were).
func (x *textIndex) replace(doc uint32, text string, terms []string) {
	repost(x.postings, trigrams(x.text[doc]), trigrams(text), doc)
	repost(x.terms, x.docTerms[doc], terms, doc)
	x.text[doc], x.docTerms[doc] = text, terms
}

// remove forgets a document.
func (x *textIndex) remove(doc uint32) {
	x.replace(doc, "", nil)
	x.free = append(x.free, doc)
}

// repost moves doc from the lists of the keys only in old to those of the
// keys only in now (both sorted).
func repost[K cmpKey](lists map[K][]uint32, old, now []K, doc uint32) {
	i, j := 0, 0
	for i < len(old) || j < len(now) {
		switch {
		case j == len(now) || (i < len(old) && old[i] < now[j]):
			p := lists[old[i]]
			if k, ok := slices.BinarySearch(p, doc); ok {
				p = slices.Delete(p, k, k+1)
			}
			if len(p) == 0 {
				delete(lists, old[i])
			} else {
				lists[old[i]] = p
			}
			i++
		case i == len(old) || now[j] < old[i]:
			p := lists[now[j]]
			if k, found := slices.BinarySearch(p, doc); !found {
				lists[now[j]] = slices.Insert(p, k, doc)
			}
			j++
		default:
			i, j = i+1, j+1
		}
	}
}

type cmpKey interface{ ~uint32 | ~string }

// candidates returns the documents that may hold every word and hold every
// term, or nil when neither narrows anything (no terms, and every word
// shorter than a trigram). A non-nil empty set means nothing can match.
func (x *textIndex) candidates(words, terms []string) bitset {
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
	for _, t := range terms {
		p, ok := x.terms[t]
		if !ok {
			return bitset{}
		}
		lists = append(lists, p)
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

// Facet terms: what the filters select by, indexed like words.
const (
	termSubject  = "subject\x00"
	termDataType = "dataType\x00"
	termSharing  = "sharing\x00"
)

// facetTerms are an entry's terms: its subject, data types and effective
// sharing (an embargoed entry's is Closed, and it is also Embargoed), all
// lower-cased, sorted.
func facetTerms(e *Entry) []string {
	out := []string{termSubject + strings.ToLower(e.Spec.Subject), termSharing + strings.ToLower(string(e.Sharing.Mode))}
	if e.Sharing.Embargoed {
		out = append(out, termSharing+"embargoed")
	}
	for _, t := range e.Spec.DataTypes {
		out = append(out, termDataType+strings.ToLower(string(t)))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// terms are the facet terms an entry must hold to pass f.
func (f Filter) terms() []string {
	var out []string
	for prefix, v := range map[string]string{termSubject: f.Subject, termDataType: f.DataType, termSharing: f.Sharing} {
		if v != "" {
			out = append(out, prefix+strings.ToLower(v))
		}
	}
	return out
}
