package cmd

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/scidata-io/scidata-operator/internal/receipt"
)

func newReceiptCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "receipt",
		Short: "Work with submission receipts (汇交凭证)",
	}
	c.AddCommand(newReceiptVerifyCommand())
	return c
}

type verifyOptions struct {
	receiptFile string
	keySetFile  string
	fingerprint string
	manifest    string
	statement   int32
}

func newReceiptVerifyCommand() *cobra.Command {
	var o verifyOptions
	c := &cobra.Command{
		Use:   "verify --receipt FILE --keyset FILE --fingerprint KEYID [--manifest FILE]",
		Short: "Verify a receipt offline against a pinned key fingerprint",
		Long: "verify checks a receipt's Ed25519 signature with the public key whose SHA-256\n" +
			"fingerprint you pinned (obtain it from the Center out of band, not from whoever shows\n" +
			"the receipt), and with --manifest that the manifest is exactly the one the receipt\n" +
			"attests. The receipt file may be a receipt ({payload, signature, keyID}) or a whole\n" +
			"Submission (YAML or JSON, as `kubectl get submission -o yaml` prints it), or a Project\n" +
			"(`kubectl get project -o yaml`), whose signed project statement is verified the same way\n" +
			"(the latest, or the one --statement numbers). The key set\n" +
			"is the Center's published list of public keys (its portal, or the ConfigMap).\n" +
			"Exit status 0: genuine; 1: not genuine or unreadable.",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if b, err := os.ReadFile(o.receiptFile); err == nil && receipt.IsProject(b) {
				st, err := verifyStatement(o, b)
				if err != nil {
					fmt.Fprintf(c.ErrOrStderr(), "project statement NOT verified: %v\n", err)
					return err
				}
				out, _ := json.MarshalIndent(st, "", "  ")
				fmt.Fprintf(c.OutOrStdout(), "project statement %d verified: signed by key %s\n%s\n", st.Sequence, o.fingerprint, out)
				return nil
			}
			p, err := verifyReceipt(o)
			if err != nil {
				fmt.Fprintf(c.ErrOrStderr(), "receipt NOT verified: %v\n", err)
				return err
			}
			out, _ := json.MarshalIndent(p, "", "  ")
			fmt.Fprintf(c.OutOrStdout(), "receipt verified: signed by key %s\n%s\n", o.fingerprint, out)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&o.receiptFile, "receipt", "", "file holding the receipt or the Submission")
	f.StringVar(&o.keySetFile, "keyset", "", "file holding the Center's public key set (JSON)")
	f.StringVar(&o.fingerprint, "fingerprint", "", "the pinned SHA-256 fingerprint (hex) of the Center's signing key")
	f.StringVar(&o.manifest, "manifest", "", "the manifest read from the Center's store, to check against the receipt")
	f.Int32Var(&o.statement, "statement", 0, "for a Project: the sequence number of the statement to verify (default: the latest)")
	for _, n := range []string{"receipt", "keyset", "fingerprint"} {
		_ = c.MarkFlagRequired(n)
	}
	return c
}

// pinnedKey is the key set's key of the pinned fingerprint.
func pinnedKey(o verifyOptions) (ed25519.PublicKey, error) {
	ksBytes, err := os.ReadFile(o.keySetFile)
	if err != nil {
		return nil, fmt.Errorf("read key set: %w", err)
	}
	ks, err := receipt.ParseKeySet(ksBytes)
	if err != nil {
		return nil, err
	}
	return ks.Lookup(o.fingerprint)
}

// verifyStatement verifies a Project's signed statement.
func verifyStatement(o verifyOptions, doc []byte) (receipt.Statement, error) {
	r, _, err := receipt.ParseStatement(doc, o.statement)
	if err != nil {
		return receipt.Statement{}, fmt.Errorf("%s: %w", o.receiptFile, err)
	}
	pub, err := pinnedKey(o)
	if err != nil {
		return receipt.Statement{}, err
	}
	return receipt.VerifyStatement(r, o.fingerprint, pub)
}

func verifyReceipt(o verifyOptions) (receipt.Payload, error) {
	r, err := readReceipt(o.receiptFile)
	if err != nil {
		return receipt.Payload{}, err
	}
	pub, err := pinnedKey(o)
	if err != nil {
		return receipt.Payload{}, err
	}
	p, err := receipt.Verify(r, o.fingerprint, pub)
	if err != nil {
		return receipt.Payload{}, err
	}
	if o.manifest != "" {
		m, err := os.ReadFile(o.manifest)
		if err != nil {
			return receipt.Payload{}, fmt.Errorf("read manifest: %w", err)
		}
		if err := receipt.VerifyManifest(p, m); err != nil {
			return receipt.Payload{}, err
		}
	}
	return p, nil
}

// readReceipt reads a bare receipt or a Submission holding one.
func readReceipt(path string) (receipt.Receipt, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return receipt.Receipt{}, fmt.Errorf("read receipt: %w", err)
	}
	r, err := receipt.ParseDocument(b)
	if err != nil {
		return receipt.Receipt{}, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}
