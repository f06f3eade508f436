package weights

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/weights/pin"
)

// ManifestName is the file in every version directory that describes it.
// Readers (the example endpoint) resolve `current` once and read this file
// from the resolved directory.
const ManifestName = pin.ManifestName

// Manifest records what one version directory holds and where it came from.
type Manifest struct {
	Version string    `json:"version"`
	Source  string    `json:"source"`
	Created time.Time `json:"created"`
	Files   []File    `json:"files"`
}

// File is one object of the source as it was copied into a version.
type File struct {
	Key  string `json:"key"` // path relative to the source prefix, "/"-separated
	Size int64  `json:"size"`
	// SHA256 is the hex SHA-256 of the bytes written, recorded when it was
	// computed anyway: the object's S3 checksum is a full-object SHA256, or
	// it has none. Bytes verified by another S3 checksum are not hashed a
	// second time; Checksum records what they were verified with.
	SHA256   string    `json:"sha256,omitempty"`
	Checksum *Checksum `json:"checksum,omitempty"`
	// Unverified says why nothing was compared with S3 ("no checksum in
	// S3"); empty when Checksum was verified.
	Unverified   string    `json:"unverified,omitempty"`
	ETag         string    `json:"etag"`
	LastModified time.Time `json:"last_modified"`
}

// Checksum is the S3 additional checksum of an object that the sync verified.
type Checksum struct {
	Algorithm string `json:"algorithm"` // SHA256, CRC32C, CRC32, CRC64NVME or SHA1
	Type      string `json:"type"`      // FULL_OBJECT, or COMPOSITE (multipart: verified part by part)
	Value     string `json:"value"`     // base64, as S3 returns it
}

// readManifest reads dir/manifest.json; a missing file is (nil, nil).
func readManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest of %s: %w", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", filepath.Join(dir, ManifestName), err)
	}
	return &m, nil
}

// writeManifest writes m into dir and fsyncs it.
func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	p := filepath.Join(dir, ManifestName)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("write manifest %s: %w", p, err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write manifest %s: %w", p, err)
	}
	return nil
}

// byKey indexes the manifest's files.
func (m *Manifest) byKey() map[string]File {
	idx := make(map[string]File, len(m.Files))
	for _, f := range m.Files {
		idx[f.Key] = f
	}
	return idx
}

// VersionID names a version: the UTC time of the sync, so that names sort by
// age, then a short hash of the source and of every listed key, size and
// ETag, so the name says which content it holds. The same listing always
// hashes the same; a changed object changes its ETag and so the hash.
func VersionID(at time.Time, source string, objects []Object) string {
	sorted := append([]Object(nil), objects...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	h := sha256.New()
	h.Write([]byte(source + "\n"))
	for _, o := range sorted {
		h.Write([]byte(o.Key + "\x00" + strconv.FormatInt(o.Size, 10) + "\x00" + o.ETag + "\n"))
	}
	return at.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// earlyRead is the current version's manifest as read before the lock was
// held: a no-op sync is mostly the listing and this read, so the two run at
// once.
type earlyRead struct {
	id  string
	m   *Manifest
	err error
}

// readCurrentAsync reads the manifest of the version current names, in the
// background; the channel holds the one result.
func (l Layout) readCurrentAsync() <-chan earlyRead {
	c := make(chan earlyRead, 1)
	go func() {
		id, err := l.CurrentID()
		r := earlyRead{id: id, err: err}
		if err == nil && id != "" {
			r.m, r.err = readManifest(l.Version(id))
		}
		c <- r
	}()
	return c
}

// manifest returns the manifest of version id: the early read when it was
// of the same version (a published version never changes, so what was read
// before the lock still holds), else a fresh read, as when another sync
// switched current in between.
func (r earlyRead) manifest(l Layout, id string) (*Manifest, error) {
	if r.id == id && r.err == nil {
		return r.m, nil
	}
	return readManifest(l.Version(id))
}
