package checks

import (
	"fmt"
)

// The image rules about the trust store the agent, curl and git use: no CA
// bundle at all (CR306), and the organisation's own CAs (CR307).

func init() {
	Register(&Rule{
		ID: "CR306", Title: "No CA certificates", Severity: SeverityError, Family: FamilyImage,
		What: "No CA bundle in any of the trust locations Go's crypto/x509 reads (`/etc/ssl/certs/ca-certificates.crt`, " +
			"`/etc/pki/tls/certs/ca-bundle.crt`, ..., or `SSL_CERT_FILE`), and no certificates in the trust directories.",
		Why:      "The agent is downloaded over HTTPS, and the agent itself talks TLS to the Coder server: without trusted roots both fail. " + cite("ca", "bootstrap"),
		HowToFix: "Install ca-certificates.",
		Sources:  []string{"ca", "bootstrap"},
		Image:    checkCR306,
	})
	Register(&Rule{
		ID: "CR307", Title: "Org CA not trusted", Severity: SeverityError, Family: FamilyImage, ConfigOnly: true,
		What:     "A CA from config's `org-ca` (by SHA-256 fingerprint) is not in the image's trust store.",
		Why:      "When the Coder deployment uses an internal CA, the agent, curl and git in the workspace need it in the image's trust store. " + cite("seed", "ca"),
		HowToFix: "COPY the certificate to the family's anchor directory and refresh the trust store (`update-ca-certificates` / `update-ca-trust extract`).",
		Sources:  []string{"seed", "ca"},
		Image:    checkCR307,
	})
}

func checkCR306(in *ImageInput) []Finding {
	v := newImgView(in)
	if len(in.Facts.CA.Certificates) > 0 || in.Facts.CA.Bundle != "" || v.baseOnlyInstalls("ca-certificates", "ca-certificates-bundle") {
		return nil
	}
	return []Finding{{Message: "no CA certificates in " + v.subject() + "'s trust store: HTTPS downloads, the agent's included, fail",
		Location: v.fromLoc(), Fix: v.installFix("install ca-certificates", "ca-certificates")}}
}

func checkCR307(in *ImageInput) []Finding {
	v := newImgView(in)
	if len(in.Config.OrgCAs) == 0 {
		return nil
	}
	// A Dockerfile that refreshes the trust store on the base is CR108's.
	if in.BaseOnly && v.df != nil {
		for _, ins := range v.df.instructions(v.df.final) {
			if runsRefresh(ins) {
				return nil
			}
		}
	}
	fam := v.manager().Family()
	if fam == OSUnknown {
		fam = osFamily(in.Facts.OS)
	}
	var out []Finding
	for _, ca := range in.Config.OrgCAs {
		if in.Facts.HasCertificate(ca.SHA256) {
			continue
		}
		name := ca.Name
		if name == "" {
			name = ca.SHA256
			if len(name) > 16 {
				name = name[:16] + "…"
			}
		}
		out = append(out, Finding{Message: fmt.Sprintf("org CA %q is not in %s's trust store", name, v.subject()), Location: v.fromLoc(),
			Fix: &Fix{Description: fmt.Sprintf("COPY the certificate (PEM, named *.crt) into %s and run `%s`", CAAnchorDir(fam), CARefreshCommand(fam))}})
	}
	return out
}
