package fetcher

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/docketwatch/docketwatch/pkg/blob"
	"github.com/docketwatch/docketwatch/pkg/filing"
)

// fetchPDF downloads a PDF through the CourtListener client (which verifies SHA-1 and
// size), hashes it with SHA-256 on the way and stores it in the blob store, which keeps
// one copy per SHA-256. It is the courtlistener.FetchFunc of every CourtListener source.
//
// A PDF stored before under the SHA-1 CourtListener gives is not downloaded again: a
// backfill resumed after a crash, a document whose date_modified moved for another
// reason, and the overlap of polls cost no transfer.
func (s *Service) fetchPDF(ctx context.Context, rawURL, wantSHA1 string, wantSize int64) (filing.BlobRef, error) {
	name := ""
	if u, err := url.Parse(rawURL); err == nil {
		name = path.Base(u.Path)
	}
	if ref, ok := s.knownPDF(ctx, wantSHA1, wantSize); ok {
		ref.Name = name
		return ref, nil
	}
	spool := blob.Spool{Dir: s.cfg.SpoolDir, Memory: s.cfg.SpoolMemory}
	sum, n, err := spool.Put(ctx, s.blobs, "pdf of "+rawURL, func(w io.Writer) (int64, error) {
		return s.cl.Download(ctx, rawURL, wantSHA1, wantSize, w)
	})
	if err != nil {
		return filing.BlobRef{}, err
	}
	ref := filing.BlobRef{SHA256: sum, Size: n, Name: name}
	s.rememberPDF(ctx, wantSHA1, ref)
	return ref, nil
}

// sha1Key is where the seen bucket maps a PDF's SHA-1 (CourtListener's) to its blob.
func sha1Key(sha1 string) (string, bool) { return digestKey("pdfsha1/", sha1, 40) }

// digestKey is the seen bucket's key of a digest under prefix, when the digest is
// digits hexadecimal digits (any case).
func digestKey(prefix, digest string, digits int) (string, bool) {
	if len(digest) != digits {
		return "", false
	}
	if _, err := hex.DecodeString(digest); err != nil {
		return "", false
	}
	return prefix + strings.ToLower(digest), true
}

// knownPDF returns the blob of a PDF stored before under its SHA-1 and size.
func (s *Service) knownPDF(ctx context.Context, sha1 string, size int64) (filing.BlobRef, bool) {
	key, ok := sha1Key(sha1)
	if !ok {
		return filing.BlobRef{}, false
	}
	e, err := s.seenKV.Get(ctx, key)
	if err != nil {
		return filing.BlobRef{}, false
	}
	var ref filing.BlobRef
	if json.Unmarshal(e.Value(), &ref) != nil || size > 0 && ref.Size != size {
		return filing.BlobRef{}, false
	}
	if has, err := s.blobs.Has(ctx, ref.SHA256); err != nil || !has {
		return filing.BlobRef{}, false
	}
	return ref, true
}

// rememberPDF records a stored PDF under its SHA-1; failing to only costs a download.
func (s *Service) rememberPDF(ctx context.Context, sha1 string, ref filing.BlobRef) {
	key, ok := sha1Key(sha1)
	if !ok {
		return
	}
	ref.Name = ""
	data, _ := json.Marshal(ref)
	if _, err := s.seenKV.Put(ctx, key, data); err != nil {
		s.log.Warn("remembering a pdf's sha1", "err", err)
	}
}
