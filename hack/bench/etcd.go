package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// etcdURL is the local cluster's etcd (plain HTTP on loopback).
const etcdURL = "http://127.0.0.1:12379"

// stored is what etcd holds under a key prefix: how many keys, and the
// bytes of their keys and values (the objects as the apiserver stores
// them: JSON for custom resources, managedFields and status included).
type stored struct {
	Keys        int
	KeyBytes    int64
	ValueBytes  int64
	LargestItem int64
}

func (s stored) perObject() float64 {
	if s.Keys == 0 {
		return 0
	}
	return float64(s.KeyBytes+s.ValueBytes) / float64(s.Keys)
}

// etcdPrefix reads every key under prefix through etcd's JSON gateway
// (/v3/kv/range), a page at a time.
func etcdPrefix(ctx context.Context, prefix string) (stored, error) {
	var s stored
	end := prefixEnd([]byte(prefix))
	key := []byte(prefix)
	for {
		body, _ := json.Marshal(map[string]any{
			"key": base64.StdEncoding.EncodeToString(key), "range_end": base64.StdEncoding.EncodeToString(end),
			"limit": 500, "serializable": true,
		})
		var resp struct {
			Kvs []struct {
				Key   string `json:"key"`
				Value string `json:"value"`
			} `json:"kvs"`
			More bool `json:"more"`
		}
		if err := etcdPost(ctx, "/v3/kv/range", body, &resp); err != nil {
			return s, err
		}
		var last []byte
		for _, kv := range resp.Kvs {
			k, _ := base64.StdEncoding.DecodeString(kv.Key)
			v, _ := base64.StdEncoding.DecodeString(kv.Value)
			s.Keys++
			s.KeyBytes += int64(len(k))
			s.ValueBytes += int64(len(v))
			s.LargestItem = max(s.LargestItem, int64(len(k)+len(v)))
			last = k
		}
		if !resp.More || last == nil {
			return s, nil
		}
		key = append(append([]byte{}, last...), 0)
	}
}

// prefixEnd is the first key after every key that starts with prefix.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte{}, prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return []byte{0}
}

// etcdDBSize is the size of etcd's database file and the part of it in
// use, from its status.
func etcdDBSize(ctx context.Context) (total, inUse int64, err error) {
	var resp struct {
		DbSize      string `json:"dbSize"`
		DbSizeInUse string `json:"dbSizeInUse"`
	}
	if err := etcdPost(ctx, "/v3/maintenance/status", []byte("{}"), &resp); err != nil {
		return 0, 0, err
	}
	total, _ = strconv.ParseInt(resp.DbSize, 10, 64)
	inUse, _ = strconv.ParseInt(resp.DbSizeInUse, 10, 64)
	return total, inUse, nil
}

func etcdPost(ctx context.Context, path string, body []byte, into any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, etcdURL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("etcd %s: %s %s", path, resp.Status, data)
	}
	return json.Unmarshal(data, into)
}
