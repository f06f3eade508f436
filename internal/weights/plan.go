package weights

import "sort"

// Plan is what a sync will do, computed from the listing and the current
// manifest alone: no object is read to decide it.
type Plan struct {
	Added     []Object // in S3, not in the current version
	Changed   []Object // in both, with a different size or ETag
	Unchanged []File   // in both, identical: hard-linked from the current version
	Removed   []File   // in the current version only
	// SourceChanged is true when the current version came from another URI.
	SourceChanged bool
	// orphans are versions published by an interrupted sync: a build
	// links the files they have instead of downloading them.
	orphans *orphans
}

// NoOp reports whether the current version already holds the listing.
func (p *Plan) NoOp() bool {
	return len(p.Added)+len(p.Changed)+len(p.Removed) == 0 && !p.SourceChanged
}

// DownloadBytes is the number of bytes the plan downloads: none when an
// orphan version is adopted, and none for a file linked from one.
func (p *Plan) DownloadBytes() int64 {
	if p.orphans != nil && p.orphans.adopt != "" {
		return 0
	}
	var n int64
	for _, o := range append(append([]Object(nil), p.Added...), p.Changed...) {
		if _, ok := p.orphans.reusable(o); !ok {
			n += o.Size
		}
	}
	return n
}

// Downloads returns the objects to download, largest first so big ranged
// transfers start early and small ones fill the gaps.
func (p *Plan) Downloads() []Object {
	d := append(append([]Object(nil), p.Added...), p.Changed...)
	sort.SliceStable(d, func(i, j int) bool { return d[i].Size > d[j].Size })
	return d
}

// plan compares the listing with the current manifest (nil: none). An
// object is unchanged when its size and ETag match: S3 changes an object's
// ETag whenever its content changes, whatever the ETag is computed from, so
// equality is a safe "same bytes" test even though an ETag is not assumed to
// be an MD5. The content itself is verified by checksum when downloaded.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html
func plan(source string, objs []Object, cur *Manifest) *Plan {
	p := &Plan{}
	have := map[string]File{}
	if cur != nil {
		have = cur.byKey()
		p.SourceChanged = cur.Source != source
	}
	seen := make(map[string]bool, len(objs))
	for _, o := range objs {
		seen[o.Key] = true
		f, ok := have[o.Key]
		switch {
		case !ok:
			p.Added = append(p.Added, o)
		case f.Size != o.Size || f.ETag != o.ETag:
			p.Changed = append(p.Changed, o)
		default:
			p.Unchanged = append(p.Unchanged, f)
		}
	}
	if cur != nil {
		for _, f := range cur.Files {
			if !seen[f.Key] {
				p.Removed = append(p.Removed, f)
			}
		}
	}
	return p
}
