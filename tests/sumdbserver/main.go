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
// Under /tampered/ it serves the same database, except that /latest has its tree size changed
// after signing: what a tampering middlebox would produce.
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
		rest := strings.TrimPrefix(r.URL.Path, "/tampered")
		if rest == "/latest" {
			signed, err := ops.Signed(r.Context())
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write(tamper(signed))
			return
		}
		http.StripPrefix("/tampered", db).ServeHTTP(w, r)
	})

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

// tamper changes the tree size of a signed tree head without re-signing it.
func tamper(signed []byte) []byte {
	lines := strings.SplitN(string(signed), "\n", 3)
	if len(lines) < 3 {
		return signed
	}
	return []byte(lines[0] + "\n" + lines[1] + "0\n" + lines[2])
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
