package awsauthtest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecs-mlops/ecs-mlops/internal/awsauth"
	"github.com/ecs-mlops/ecs-mlops/internal/clock"
)

// Account is the AWS account the fake STS lives in.
const Account = "123456789012"

// Issued is one set of credentials the fake STS handed out.
type Issued struct {
	Role, Session, Token          string
	AccessKeyID, Secret, SessionT string
	Expiration                    time.Time
}

// STS answers AssumeRoleWithWebIdentity and GetCallerIdentity over the query
// protocol, as the real service does: a token whose sub or aud the role's
// trust does not list gets 403 AccessDenied "Not authorized to perform
// sts:AssumeRoleWithWebIdentity"; GetCallerIdentity tells who signed the
// request, so a test can see which credentials a client really used.
type STS struct {
	*httptest.Server

	clock    clock.Clock
	mu       sync.Mutex
	trust    map[string]string // role ARN → the only sub it accepts
	lifetime time.Duration
	issued   []Issued
	calls    []string
}

// NewSTS starts the fake; credentials expire lifetime after clk's now.
func NewSTS(t testing.TB, clk clock.Clock) *STS {
	s := &STS{clock: clk, trust: map[string]string{}, lifetime: time.Hour}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Trust lets tokens whose sub equals sub (and aud sts.amazonaws.com) assume role.
func (s *STS) Trust(role, sub string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trust[role] = sub
}

// SetLifetime sets how long later credentials are valid.
func (s *STS) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// Issued returns every credential set handed out so far.
func (s *STS) Issued() []Issued {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Issued(nil), s.issued...)
}

// Calls returns the actions called so far, in order.
func (s *STS) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

var sessionRe = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func (s *STS) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidParameterValue", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	action := r.PostForm.Get("Action")
	s.calls = append(s.calls, action)
	switch action {
	case "AssumeRoleWithWebIdentity":
		s.assume(w, r)
	case "GetCallerIdentity":
		s.whoami(w, r)
	default:
		writeError(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2011-06-15", action))
	}
}

func (s *STS) assume(w http.ResponseWriter, r *http.Request) {
	role, session, token := r.PostForm.Get("RoleArn"), r.PostForm.Get("RoleSessionName"), r.PostForm.Get("WebIdentityToken")
	if !sessionRe.MatchString(session) {
		writeError(w, http.StatusBadRequest, "ValidationError", fmt.Sprintf("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", session))
		return
	}
	c, err := awsauth.ParseClaims(token)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidIdentityToken", "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)")
		return
	}
	sub, ok := s.trust[role]
	if !ok || c.Sub != sub || c.Aud != awsauth.Audience {
		writeError(w, http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		return
	}
	n := len(s.issued) + 1
	is := Issued{
		Role: role, Session: session, Token: token,
		AccessKeyID: fmt.Sprintf("ASIAFAKE%012d", n),
		Secret:      fmt.Sprintf("fakeSecretKey%04dwJalrXUtnFEMIK7MDENGbPxRfiCY", n),
		SessionT:    fmt.Sprintf("FwoGZXIvYXdzEFAKESESSIONTOKEN%04dIQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQ", n),
		Expiration:  s.clock.Now().Add(s.lifetime).UTC().Truncate(time.Second),
	}
	s.issued = append(s.issued, is)
	name := role[strings.LastIndex(role, "/")+1:]
	writeXML(w, fmt.Sprintf(`<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>%s</SubjectFromWebIdentityToken>
    <Audience>%s</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>
      <AssumedRoleId>AROAFAKEROLEID:%s</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>%s</SessionToken>
      <SecretAccessKey>%s</SecretAccessKey>
      <Expiration>%s</Expiration>
      <AccessKeyId>%s</AccessKeyId>
    </Credentials>
    <Provider>arn:aws:iam::%s:oidc-provider/token.actions.githubusercontent.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>`, esc(c.Sub), esc(c.Aud), Account, esc(name), esc(session), esc(session),
		is.SessionT, is.Secret, is.Expiration.Format(time.RFC3339), is.AccessKeyID, Account, requestID(n)))
}

var credentialRe = regexp.MustCompile(`Credential=([A-Z0-9]+)/`)

func (s *STS) whoami(w http.ResponseWriter, r *http.Request) {
	m := credentialRe.FindStringSubmatch(r.Header.Get("Authorization"))
	for _, is := range s.issued {
		if m != nil && m[1] == is.AccessKeyID && r.Header.Get("X-Amz-Security-Token") == is.SessionT {
			name := is.Role[strings.LastIndex(is.Role, "/")+1:]
			writeXML(w, fmt.Sprintf(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn>
    <UserId>AROAFAKEROLEID:%s</UserId>
    <Account>%s</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`, Account, esc(name), esc(is.Session), esc(is.Session), Account, requestID(len(s.calls))))
			return
		}
	}
	writeError(w, http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

func writeXML(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(body))
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>`, code, esc(msg))
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func requestID(n int) string { return fmt.Sprintf("c6104cbe-af31-11e0-8154-%012d", n) }
