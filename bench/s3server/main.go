// Command s3server serves an in-memory S3 (gofakes3) on loopback for the
// weight-sync benchmark. It loads every file under -load into bucket
// -bucket, keyed by its path relative to -load, each with a SHA-256
// additional checksum as S3 stores one for uploads that send it. The files
// of the top-level directories named in -crc64nvme are stored a second
// time, under "<dir>-crc64nvme/", with the CRC64NVME checksum S3 adds by
// default to objects uploaded without one.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"hash/crc64"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	dir := flag.String("load", "", "directory whose files become objects")
	bucket := flag.String("bucket", "bench", "bucket name")
	crcDirs := flag.String("crc64nvme", "", "comma-separated top-level directories to store again with CRC64NVME checksums")
	flag.Parse()
	if err := run(*addr, *dir, *bucket, strings.Split(*crcDirs, ",")); err != nil {
		log.Fatal(err)
	}
}

// nvme is CRC-64/NVME, the polynomial in reversed form.
var nvme = crc64.MakeTable(0x9a6c9329ac4bc9b5)

func run(addr, dir, bucket string, crcDirs []string) error {
	be := s3mem.New()
	if err := be.CreateBucket(bucket); err != nil {
		return err
	}
	n, size := 0, int64(0)
	if dir != "" {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			sum := sha256.Sum256(b)
			meta := map[string]string{
				"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(sum[:]),
				"Last-Modified":         time.Now().UTC().Format(http.TimeFormat),
			}
			n++
			size += int64(len(b))
			key := filepath.ToSlash(rel)
			if _, err := be.PutObject(bucket, key, meta, bytes.NewReader(b), int64(len(b)), nil); err != nil {
				return err
			}
			top, rest, _ := strings.Cut(key, "/")
			if !slices.Contains(crcDirs, top) {
				return nil
			}
			crc := binary.BigEndian.AppendUint64(nil, crc64.Checksum(b, nvme))
			meta = map[string]string{
				"X-Amz-Checksum-Crc64nvme": base64.StdEncoding.EncodeToString(crc),
				"Last-Modified":            meta["Last-Modified"],
			}
			n++
			size += int64(len(b))
			_, err = be.PutObject(bucket, top+"-crc64nvme/"+rest, meta, bytes.NewReader(b), int64(len(b)), nil)
			return err
		})
		if err != nil {
			return fmt.Errorf("load %s: %w", dir, err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	// The first line tells the script where to connect.
	fmt.Printf("http://%s %d objects %d bytes\n", ln.Addr(), n, size)
	return http.Serve(ln, gofakes3.New(be, gofakes3.WithoutVersioning()).Server())
}
