// -tlog: test vectors of golang.org/x/mod/sumdb/tlog for godoctor's port (src/fetch/tlog.rs),
// checked by tests/it/route_referee.rs so that no vector is typed by hand.

package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"

	"golang.org/x/mod/sumdb/tlog"
)

// storage is an in-memory hash store of a tree built with tlog.StoredHashes.
type storage []tlog.Hash

func (s storage) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s)) {
			return nil, fmt.Errorf("index %d out of storage", x)
		}
		out[i] = s[x]
	}
	return out, nil
}

// tileServer serves tiles made from storage and records which ones were asked for; flip, if
// set, alters one byte of that tile's data.
type tileServer struct {
	s     storage
	asked []string
	flip  string
}

func (t *tileServer) Height() int { return 8 }

func (t *tileServer) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		t.asked = append(t.asked, tile.Path())
		data, err := tlog.ReadTileData(tile, t.s)
		if err != nil {
			return nil, err
		}
		if tile.Path() == t.flip {
			data[len(data)/2] ^= 1
		}
		out[i] = data
	}
	return out, nil
}

func (t *tileServer) SaveTiles([]tlog.Tile, [][]byte) {}

type check struct {
	ID     int64    `json:"id"`
	Tiles  []string `json:"tiles"`
	Leaf   string   `json:"leaf"`
	Proof  []string `json:"proof"`
	Flips  []string `json:"flip_errors"`
	Record string   `json:"record"`
}

type tree struct {
	N      int64   `json:"n"`
	Hash   string  `json:"hash"`
	Checks []check `json:"checks"`
}

type vectors struct {
	RecordHash  [][2]string       `json:"record_hash"`
	NodeHash    [][3]string       `json:"node_hash"`
	StoredIndex [][3]int64        `json:"stored_hash_index"`
	Paths       []tilePath        `json:"paths"`
	Trees       []tree            `json:"trees"`
	Tiles       map[string][]byte `json:"tiles"`
}

type tilePath struct {
	L    int    `json:"l"`
	N    int64  `json:"n"`
	W    int    `json:"w"`
	Path string `json:"path"`
}

func recordText(i int64) []byte { return []byte(fmt.Sprintf("example.com/m%d v1.0.0 h1:x\n", i)) }

func printTlogVectors() {
	v := vectors{Tiles: map[string][]byte{}}
	for _, d := range []string{"", "a", "example.com/m v1.0.0 h1:abc=\n"} {
		v.RecordHash = append(v.RecordHash, [2]string{d, tlog.RecordHash([]byte(d)).String()})
	}
	a, b := tlog.RecordHash([]byte("a")), tlog.RecordHash([]byte("b"))
	v.NodeHash = append(v.NodeHash, [3]string{a.String(), b.String(), tlog.NodeHash(a, b).String()})
	for _, ln := range [][2]int64{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {2, 3}, {8, 1}, {0, 255}, {0, 256}, {3, 1000}, {16, 5}, {0, 1234567890}} {
		v.StoredIndex = append(v.StoredIndex, [3]int64{ln[0], ln[1], tlog.StoredHashIndex(int(ln[0]), ln[1])})
	}
	for _, t := range []tlog.Tile{{H: 8, L: 0, N: 0, W: 1}, {H: 8, L: 0, N: 0, W: 256}, {H: 8, L: 1, N: 999, W: 3},
		{H: 8, L: 0, N: 1000, W: 256}, {H: 8, L: 2, N: 1234067, W: 7}, {H: 8, L: 0, N: 1234567890, W: 256}} {
		v.Paths = append(v.Paths, tilePath{t.L, t.N, t.W, t.Path()})
	}

	const max = 70000
	var s storage
	sizes := map[int64]bool{}
	for _, n := range []int64{1, 2, 3, 4, 5, 7, 8, 9, 255, 256, 257, 300, 511, 512, 513, 1000, 65535, 65536, 65537, 70000} {
		sizes[n] = true
	}
	for n := int64(0); n < max; n++ {
		hashes, err := tlog.StoredHashes(n, recordText(n), s)
		if err != nil {
			log.Fatal(err)
		}
		s = append(s, hashes...)
		size := n + 1
		if !sizes[size] {
			continue
		}
		th, err := tlog.TreeHash(size, s)
		if err != nil {
			log.Fatal(err)
		}
		tr := tree{N: size, Hash: th.String()}
		tt := tlog.Tree{N: size, Hash: th}
		ids := map[int64]bool{0: true, size - 1: true, size / 2: true, size / 3: true, 256 % size: true}
		for id := range ids {
			c := check{ID: id, Record: string(recordText(id)), Proof: []string{}}
			ts := &tileServer{s: s}
			hs, err := tlog.TileHashReader(tt, ts).ReadHashes([]int64{tlog.StoredHashIndex(0, id)})
			if err != nil {
				log.Fatal(err)
			}
			c.Leaf = hs[0].String()
			c.Tiles = ts.asked
			for _, p := range ts.asked {
				tile, err := tlog.ParseTilePath(p)
				if err != nil {
					log.Fatal(err)
				}
				v.Tiles[p], _ = tlog.ReadTileData(tile, s)
				bad := &tileServer{s: s, flip: p}
				msg := "ok"
				if _, err := tlog.TileHashReader(tt, bad).ReadHashes([]int64{tlog.StoredHashIndex(0, id)}); err != nil {
					msg = err.Error()
				}
				c.Flips = append(c.Flips, msg)
			}
			proof, err := tlog.ProveRecord(size, id, s)
			if err != nil {
				log.Fatal(err)
			}
			for _, h := range proof {
				c.Proof = append(c.Proof, h.String())
			}
			if err := tlog.CheckRecord(proof, size, th, id, tlog.RecordHash(recordText(id))); err != nil {
				log.Fatal(err)
			}
			tr.Checks = append(tr.Checks, c)
		}
		v.Trees = append(v.Trees, tr)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(v); err != nil {
		log.Fatal(err)
	}
}
