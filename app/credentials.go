package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
)

// storedCredentials is what the setup flow stores in the database with its
// claim: the saved credentials and the app's private key. Every replica on
// the database takes them from there (adoptCredentials), whichever
// finished the flow, so /setup works through any of them.
type storedCredentials struct {
	savedCredentials
	PEM string `json:"pem"`
}

// adoptCredentials takes the credentials another replica's setup flow
// stored in the database when this server has none yet: it writes them to
// its own data dir (0600, as the flow does) and uses them. Nothing happens
// while the server has credentials. Until then each webhook, /readyz and
// /setup looks (one primary-key read, one at a time): a delivery GitHub
// sends right after the setup must not be refused, as GitHub does not
// send it again.
func (a *App) adoptCredentials(ctx context.Context) {
	if len(a.missing()) == 0 {
		return
	}
	a.adoptMu.Lock()
	defer a.adoptMu.Unlock()
	if len(a.missing()) == 0 {
		return
	}
	if err := a.adopt(ctx); err != nil {
		a.log.Error("the app's credentials in the database are not usable", "err", err)
	}
}

func (a *App) adopt(ctx context.Context) error {
	b, err := a.store.SetupCredentials(ctx)
	if err != nil || b == nil {
		return err
	}
	var c storedCredentials
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("stored credentials: %w", err)
	}
	if c.AppID <= 0 || c.WebhookSecret == "" || c.PEM == "" {
		return errors.New("stored credentials: incomplete")
	}
	s := a.Settings()
	// A restart then finds them in the data dir like the flow's own; a
	// file already there (the flow's, this replica's) is kept.
	if err := saveCredentials(s.DataDir, c.savedCredentials, []byte(c.PEM)); err != nil && !errors.Is(err, errCredentialsExist) {
		return err
	}
	a.mu.Lock()
	a.settings.AppID = c.AppID
	a.settings.WebhookSecret = c.WebhookSecret
	a.settings.PrivateKey = []byte(c.PEM)
	a.settings.PrivateKeyFile = filepath.Join(s.DataDir, keyFile)
	a.settings.AppURL = c.HTMLURL
	// The status page's "Sign in with GitHub" uses the app's OAuth
	// credentials, as on the replica that ran the flow.
	a.settings.ClientID, a.settings.ClientSecret = c.ClientID, c.ClientSecret
	a.mu.Unlock()
	if err := a.setClients(); err != nil {
		return err
	}
	a.log.Info("using the GitHub App another replica's setup created", "app_id", c.AppID, "slug", c.Slug)
	return nil
}
