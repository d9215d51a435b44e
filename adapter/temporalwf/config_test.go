package temporalwf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/secret"
)

// writeCert writes a self-signed certificate and its key as PEM files and returns their paths.
func writeCert(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "worker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	return certFile, keyFile
}

func TestConfigTLS(t *testing.T) {
	t.Parallel()
	cert, key := writeCert(t)

	tc, err := DefaultConfig().tlsConfig()
	require.NoError(t, err)
	require.Nil(t, tc, "a local dev server speaks plain gRPC")

	c := DefaultConfig()
	c.APIKey = secret.String("key")
	tc, err = c.tlsConfig()
	require.NoError(t, err)
	require.NotNil(t, tc, "an API key (Temporal Cloud) implies TLS")

	c = DefaultConfig()
	c.TLSCert, c.TLSKey, c.TLSCA, c.ServerName = cert, key, cert, "ns.tmprl.cloud"
	tc, err = c.tlsConfig()
	require.NoError(t, err)
	require.Len(t, tc.Certificates, 1, "mTLS client certificate")
	require.NotNil(t, tc.RootCAs)
	require.Equal(t, "ns.tmprl.cloud", tc.ServerName)

	c.TLSCA = key // not a certificate
	_, err = c.tlsConfig()
	require.ErrorContains(t, err, "no PEM certificate")
	c.TLSCA, c.TLSKey = "", filepath.Join(t.TempDir(), "missing.pem")
	_, err = c.tlsConfig()
	require.ErrorContains(t, err, "client certificate")
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, DefaultConfig().Validate())
	c := Config{TLSCert: "cert.pem"}
	err := c.Validate()
	for _, field := range []string{"Address", "Namespace", "TaskQueue", "TLSCert"} {
		require.ErrorContains(t, err, field)
	}
}
