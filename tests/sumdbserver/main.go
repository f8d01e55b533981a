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
//
// With -vector it prints a verifier key and a signed note (test vector) and exits.
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
	flag.Parse()

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
