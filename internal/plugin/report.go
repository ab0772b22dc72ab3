package plugin

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	scidatascheme "github.com/scidata-io/scidata-operator/internal/scheme"
)

// ReportOptions say what goes into a support bundle and how.
type ReportOptions struct {
	// OperatorNamespace is where the manager runs: its pods' logs and
	// the namespace's events and workloads go in.
	OperatorNamespace string
	// Format of the objects: yaml (the default) or json.
	Format string
	// LogLines is how many of each manager container's last log lines go
	// in.
	LogLines int64
	Now      time.Time
}

// ReportSummary is the bundle's summary.json: what it holds, and what
// could not be read (the bundle is still written).
type ReportSummary struct {
	Created    time.Time `json:"created"`
	Namespaces []string  `json:"namespaces"`
	Files      []string  `json:"files"`
	Problems   []string  `json:"problems,omitempty"`
	// SecretsRedacted says how Secrets are written: their names, types,
	// labels and the size of each key, never a value.
	SecretsRedacted string `json:"secretsRedacted"`
}

// ComponentManager is the manager pods' app.kubernetes.io/component label
// (the chart's and the kustomize install's).
const ComponentManager = "manager"

// Report writes a support bundle as a zip to w: the four kinds in every
// namespace; the events, workloads, claims, ConfigMaps and redacted
// Secrets of every platform namespace and the operator's; the events of
// the cluster-scoped DataPlatforms; and the last log lines of every
// manager container. A part that cannot be read is named in
// summary.json's problems and the rest is still written.
func Report(ctx context.Context, c client.Reader, cs kubernetes.Interface, w io.Writer, o ReportOptions) (*ReportSummary, error) {
	if o.Format == FormatText {
		o.Format = FormatYAML
	}
	r := &reporter{ctx: ctx, c: c, zip: zip.NewWriter(w), format: o.Format,
		sum: &ReportSummary{Created: o.Now.UTC().Truncate(time.Second), SecretsRedacted: "names, types, labels and key sizes only; never data"}}
	var dps scidatav1.DataPlatformList
	for _, l := range []client.ObjectList{&dps, &scidatav1.CatalogEntryList{}, &scidatav1.SubmissionPolicyList{}, &scidatav1.SubmissionList{}, &scidatav1.ProjectList{}} {
		r.list("scidata", l)
	}
	namespaces := map[string]bool{o.OperatorNamespace: true}
	for _, dp := range dps.Items {
		namespaces[scidatav1.NamespacePrefix+dp.Name] = true
	}
	for ns := range namespaces {
		r.sum.Namespaces = append(r.sum.Namespaces, ns)
	}
	sort.Strings(r.sum.Namespaces)
	for _, ns := range r.sum.Namespaces {
		for _, l := range []client.ObjectList{&corev1.EventList{}, &appsv1.StatefulSetList{}, &appsv1.DeploymentList{}, &batchv1.JobList{},
			&corev1.PodList{}, &corev1.PersistentVolumeClaimList{}, &corev1.ServiceList{}, &corev1.ConfigMapList{}} {
			r.list("namespaces/"+ns, l, client.InNamespace(ns))
		}
		r.secrets(ns)
	}
	r.clusterEvents()
	r.logs(cs, o)
	sort.Strings(r.sum.Files)
	b, err := encode(FormatJSON, r.sum)
	if err != nil {
		return nil, err
	}
	if err := r.file("summary.json", b); err != nil {
		return nil, err
	}
	return r.sum, r.zip.Close()
}

type reporter struct {
	ctx    context.Context
	c      client.Reader
	zip    *zip.Writer
	format string
	sum    *ReportSummary
}

func (r *reporter) problem(format string, args ...any) {
	r.sum.Problems = append(r.sum.Problems, fmt.Sprintf(format, args...))
}

func (r *reporter) file(name string, b []byte) error {
	f, err := r.zip.Create(name)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		return err
	}
	r.sum.Files = append(r.sum.Files, name)
	return nil
}

// list writes one list of objects as dir/<kind>.<format>, without their
// managedFields.
func (r *reporter) list(dir string, l client.ObjectList, opts ...client.ListOption) {
	kind := kindOf(l)
	if err := r.c.List(r.ctx, l, opts...); err != nil {
		r.problem("list %s in %s: %v", kind, dir, err)
		return
	}
	items, err := meta.ExtractList(l)
	if err != nil {
		r.problem("read %s: %v", kind, err)
		return
	}
	for _, it := range items {
		if o, ok := it.(client.Object); ok {
			o.SetManagedFields(nil)
		}
	}
	r.write(dir+"/"+strings.ToLower(kind), l, kind)
}

func (r *reporter) write(base string, v any, what string) {
	b, err := encode(r.format, v)
	if err != nil {
		r.problem("encode %s: %v", what, err)
		return
	}
	if err := r.file(base+"."+r.format, b); err != nil {
		r.problem("write %s: %v", what, err)
	}
}

// RedactedSecret is all a bundle holds of a Secret.
type RedactedSecret struct {
	Namespace string            `json:"namespace"`
	Name      string            `json:"name"`
	Type      corev1.SecretType `json:"type"`
	Labels    map[string]string `json:"labels,omitempty"`
	// KeySizes is the length in bytes of each key's value.
	KeySizes  map[string]int `json:"keySizes"`
	Immutable bool           `json:"immutable,omitempty"`
	Created   metav1.Time    `json:"created"`
}

// secrets writes a namespace's Secrets redacted: no value, and no
// annotation (kubectl's last-applied-configuration would hold the data).
func (r *reporter) secrets(ns string) {
	var list corev1.SecretList
	if err := r.c.List(r.ctx, &list, client.InNamespace(ns)); err != nil {
		r.problem("list Secrets in %s: %v", ns, err)
		return
	}
	out := make([]RedactedSecret, 0, len(list.Items))
	for _, s := range list.Items {
		rs := RedactedSecret{Namespace: s.Namespace, Name: s.Name, Type: s.Type, Labels: s.Labels, KeySizes: map[string]int{},
			Immutable: ptr.Deref(s.Immutable, false), Created: s.CreationTimestamp}
		for k, v := range s.Data {
			rs.KeySizes[k] = len(v)
		}
		for k, v := range s.StringData {
			rs.KeySizes[k] = len(v)
		}
		out = append(out, rs)
	}
	r.write("namespaces/"+ns+"/secrets-redacted", out, "Secrets of "+ns)
}

// clusterEvents writes the events about DataPlatforms, which the
// apiserver keeps in the default namespace (they are cluster-scoped).
func (r *reporter) clusterEvents() {
	var list corev1.EventList
	if err := r.c.List(r.ctx, &list, client.InNamespace(metav1.NamespaceDefault)); err != nil {
		r.problem("list events in %s: %v", metav1.NamespaceDefault, err)
		return
	}
	kept := list.Items[:0]
	for _, e := range list.Items {
		if e.InvolvedObject.Kind == "DataPlatform" {
			e.ManagedFields = nil
			kept = append(kept, e)
		}
	}
	list.Items = kept
	r.write("cluster/dataplatform-events", &list, "DataPlatform events")
}

// logs writes the last lines of every container of the manager's pods.
func (r *reporter) logs(cs kubernetes.Interface, o ReportOptions) {
	pods, err := cs.CoreV1().Pods(o.OperatorNamespace).List(r.ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=" + ComponentManager})
	if err != nil {
		r.problem("list the manager's pods in %s: %v", o.OperatorNamespace, err)
		return
	}
	if len(pods.Items) == 0 {
		r.problem("no manager pod (label app.kubernetes.io/component=%s) in %s", ComponentManager, o.OperatorNamespace)
	}
	for _, p := range pods.Items {
		for _, c := range p.Spec.Containers {
			name := fmt.Sprintf("logs/%s/%s.log", p.Name, c.Name)
			b, err := cs.CoreV1().Pods(p.Namespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: c.Name, TailLines: ptr.To(o.LogLines), Timestamps: true}).DoRaw(r.ctx)
			if err != nil {
				r.problem("logs of %s/%s container %s: %v", p.Namespace, p.Name, c.Name, err)
				continue
			}
			if len(b) == 0 {
				r.problem("logs of %s/%s container %s are empty: the pod has not run on a node (phase %s), or wrote nothing", p.Namespace, p.Name, c.Name, p.Status.Phase)
			}
			if err := r.file(name, b); err != nil {
				r.problem("write %s: %v", name, err)
			}
		}
	}
}

var kinds = scidatascheme.New()

// kindOf names a list's items' kind (EventList: Event).
func kindOf(l client.ObjectList) string {
	gvk, err := apiutil.GVKForObject(l, kinds)
	if err != nil {
		return fmt.Sprintf("%T", l)
	}
	return strings.TrimSuffix(gvk.Kind, "List")
}

// encode writes v as JSON or YAML, into a buffer.
func encode(format string, v any) ([]byte, error) {
	var b bytes.Buffer
	if err := Encode(&b, format, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
