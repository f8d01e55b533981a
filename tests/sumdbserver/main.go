// Command sumdbserver serves a Go checksum database on 127.0.0.1 for godoctor's integration
// tests, built from golang.org/x/mod/sumdb: a fresh key per run, records computed from the
// modules a loopback GOPROXY serves (so the real `go` can verify downloads against it).
//
// It prints three lines on stdout and serves until stdin closes:
//
//	VKEY <verifier key of this database>
//	OTHERKEY <a verifier key with the same name but another key (a wrong key)>
//	URL http://127.0.0.1:PORT
//
// As a GOPROXY entry it proxies the database (/sumdb/NAME/supported answers 200; module paths
// get 404). Under /tampered/ it serves the same database with every signed tree head (/latest
// and the note inside /lookup answers) altered after signing: what a tampering middlebox does.
// Under /badtile/ every hash tile (/tile/...) has one byte flipped, so the tiles no longer hash
// to the signed tree; under /forged/ every /lookup answer has its two record lines swapped, so
// the hashes are those of the served module but the record is not the one in the signed tree;
// under /notile/ every /tile/ request answers 404.
//
// With -vector it prints a verifier key and a signed note (test vector) and exits. With -tlog it
// prints JSON test vectors of golang.org/x/mod/sumdb/tlog (hashes, index arithmetic, tile
// paths, and for trees of several sizes the tiles the client reads to check a record, their
// data, the record proofs and the errors when a tile is altered) and exits.
package main

import (
	"bytes"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
)

func main() {
	name := flag.String("name", "sum.godoctor.test", "checksum database name")
	proxy := flag.String("proxy", "", "GOPROXY URL (http://127.0.0.1:PORT) that serves the modules")
	vector := flag.Bool("vector", false, "print a verifier key and a signed note, then exit")
	tlogVectors := flag.Bool("tlog", false, "print tlog test vectors as JSON, then exit")
	flag.Parse()
	if *tlogVectors {
		printTlogVectors()
		return
	}

	skey, vkey, err := note.GenerateKey(rand.Reader, *name)
	if err != nil {
		log.Fatal(err)
	}
	if *vector {
		signer, err := note.NewSigner(skey)
		if err != nil {
			log.Fatal(err)
		}
		msg, err := note.Sign(&note.Note{Text: "go.sum database tree\n5\nq7GmLsAptkdZtUsgHQ6Lk6ZFHyuj36VHu2TxtZ5UsV8=\n"}, signer)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s\n%q\n", vkey, msg)
		return
	}
	_, other, err := note.GenerateKey(rand.Reader, *name)
	if err != nil {
		log.Fatal(err)
	}

	ops := sumdb.NewTestServer(skey, func(path, vers string) ([]byte, error) { return gosum(*proxy, path, vers) })
	db := sumdb.NewServer(ops)
	mux := http.NewServeMux()
	mux.Handle("/", db)
	mux.HandleFunc("/tampered/", func(w http.ResponseWriter, r *http.Request) {
		// Serve the real answer with every signed tree head altered after signing (/latest
		// and the tree note inside /lookup answers): what a tampering middlebox produces.
		rec := httptest.NewRecorder()
		http.StripPrefix("/tampered", db).ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body := rec.Body.Bytes()
		if rec.Code == http.StatusOK {
			body = tamper(body)
			w.Header().Del("Content-Length")
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
	rewrite := func(prefix string, change func(path string, body []byte) []byte) {
		mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			http.StripPrefix(prefix, db).ServeHTTP(rec, r)
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			body := rec.Body.Bytes()
			if rec.Code == http.StatusOK {
				body = change(strings.TrimPrefix(r.URL.Path, prefix), body)
				w.Header().Del("Content-Length")
			}
			w.WriteHeader(rec.Code)
			w.Write(body)
		})
	}
	rewrite("/badtile", func(path string, body []byte) []byte {
		if strings.HasPrefix(path, "/tile/") && len(body) > 0 {
			body = append([]byte(nil), body...)
			body[len(body)/2] ^= 0x01
		}
		return body
	})
	rewrite("/forged", func(path string, body []byte) []byte {
		if strings.HasPrefix(path, "/lookup/") {
			return swapRecordLines(body)
		}
		return body
	})
	mux.HandleFunc("/notile/", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/notile/tile/") {
			http.NotFound(w, r)
			return
		}
		http.StripPrefix("/notile", db).ServeHTTP(w, r)
	})
	// As a GOPROXY entry it proxies the database: /sumdb/NAME/supported says 200.
	proxied := "/sumdb/" + *name
	mux.HandleFunc(proxied+"/supported", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
	mux.Handle(proxied+"/", http.StripPrefix(proxied, db))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("VKEY %s\nOTHERKEY %s\nURL http://%s\n", vkey, other, ln.Addr())
	os.Stdout.Sync()
	// Stop when the test that started us goes away.
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, mux))
}

// tamper changes the tree size of every signed tree head in body without re-signing it.
func tamper(body []byte) []byte {
	const head = "go.sum database tree\n"
	s := string(body)
	i := strings.Index(s, head)
	if i < 0 {
		return body
	}
	j := i + len(head) + strings.Index(s[i+len(head):], "\n")
	return []byte(s[:j] + "0" + s[j:])
}

// swapRecordLines swaps the first two lines of the record in a /lookup answer (after its id
// line): the same hashes, but a record text that is not the one in the tree.
func swapRecordLines(body []byte) []byte {
	lines := strings.SplitN(string(body), "\n", 4)
	if len(lines) < 4 {
		return body
	}
	return []byte(lines[0] + "\n" + lines[2] + "\n" + lines[1] + "\n" + lines[3])
}

// gosum computes the go.sum lines of path@vers from the zip and go.mod the proxy serves.
func gosum(proxy, path, vers string) ([]byte, error) {
	zipData, err := fetch(proxy, path, vers, ".zip")
	if err != nil {
		return nil, err
	}
	modData, err := fetch(proxy, path, vers, ".mod")
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "sumdbserver-*.zip")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(zipData); err != nil {
		f.Close()
		return nil, err
	}
	f.Close()
	zipHash, err := dirhash.HashZip(f.Name(), dirhash.Hash1)
	if err != nil {
		return nil, err
	}
	modHash, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(modData)), nil
	})
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", path, vers, zipHash, path, vers, modHash)), nil
}

func fetch(proxy, path, vers, ext string) ([]byte, error) {
	ep, err := module.EscapePath(path)
	if err != nil {
		return nil, err
	}
	ev, err := module.EscapeVersion(vers)
	if err != nil {
		return nil, err
	}
	resp, err := http.Get(strings.TrimSuffix(proxy, "/") + "/" + ep + "/@v/" + ev + ext)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s@%s%s: %s", path, vers, ext, resp.Status)
	}
	return io.ReadAll(resp.Body)
}
