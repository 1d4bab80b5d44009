// Command ferretdb-plenary runs FerretDB v1 (a MongoDB wire-protocol server)
// with its embedded SQLite backend, so the MongoDB store adapter's contract
// tests run on machines where no MongoDB server can be installed. It is
// FerretDB, not MongoDB: see the README for what it lacks.
//
// It is a thin main around FerretDB's embeddable package (the release's own
// cmd/ferretdb refuses to start when built with `go install`, which leaves out
// its generated version file).
//
//	ferretdb-plenary -listen 127.0.0.1:27017 -dir /tmp/ferretdb
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("dir", "", "directory for the SQLite files (required)")
	level := flag.String("log-level", "warn", "debug, info, warn or error")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb-plenary: -dir is required")
		os.Exit(2)
	}
	abs, err := filepath.Abs(*dir)
	if err == nil {
		err = os.MkdirAll(abs, 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-plenary:", err)
		os.Exit(1)
	}

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		lvl = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-plenary:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stdout, "ferretdb-plenary listening on %s (FerretDB, SQLite backend in %s)\n", *listen, abs)
	f.Run(ctx)
}
