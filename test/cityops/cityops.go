package cityops

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	scidatav1 "github.com/scidata-io/scidata-operator/api/v1alpha1"
	"github.com/scidata-io/scidata-operator/internal/platform"
	"github.com/scidata-io/scidata-operator/internal/store"
)

// Mount points of ToolJob's volumes.
const (
	keysPath = "/keys"
	caPath   = "/ca"
	dataPath = "/data"
)

// ToolJob runs the operator's image once with args in ns, restricted like
// every pod of a platform, with the given credentials Secret (and, if
// dataConfigMap is set, that ConfigMap at /data) mounted.
func ToolJob(image, ns, name string, args []string, credentials, dataConfigMap string) *batchv1.Job {
	labels := map[string]string{"app.kubernetes.io/name": "scidata-tool", "app.kubernetes.io/instance": name}
	volumes := []corev1.Volume{
		{Name: "keys", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: credentials, DefaultMode: ptr.To[int32](0o440)}}},
		{Name: "ca", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: platform.CABundleName}}}},
	}
	mounts := []corev1.VolumeMount{{Name: "keys", MountPath: keysPath, ReadOnly: true}, {Name: "ca", MountPath: caPath, ReadOnly: true}}
	if dataConfigMap != "" {
		volumes = append(volumes, corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: dataConfigMap}}}})
		mounts = append(mounts, corev1.VolumeMount{Name: "data", MountPath: dataPath, ReadOnly: true})
	}
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Spec: batchv1.JobSpec{
			BackoffLimit:            ptr.To[int32](0),
			TTLSecondsAfterFinished: ptr.To[int32](3600),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyNever,
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](65532), RunAsGroup: ptr.To[int64](65532), FSGroup: ptr.To[int64](65532),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
					Containers: []corev1.Container{{
						Name: "tool", Image: image, ImagePullPolicy: corev1.PullIfNotPresent, Args: args,
						SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true),
							Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
						VolumeMounts: mounts,
					}},
					Volumes: volumes,
				},
			},
		},
	}
}

// ObjectsArgs are the arguments of the `objects` subcommand against st,
// as ToolJob mounts its keys and the store's CA bundle.
func ObjectsArgs(st store.Store, args ...string) []string {
	return append(append([]string{"objects"}, args...),
		"--endpoint", st.Endpoint, "--bucket", st.Bucket,
		"--ca-file", caPath+"/"+store.CAField, "--credentials", keysPath)
}

// UploadArgs uploads the data ConfigMap's files under prefix into st.
func UploadArgs(st store.Store, prefix string) []string {
	return ObjectsArgs(st, "put", dataPath, "--prefix", prefix)
}

// ManagedStore is the store of the Managed platform whose namespace is ns
// (scidata-<platform>), as internal/store describes it.
func ManagedStore(ns string) store.Store {
	return store.For(&scidatav1.DataPlatform{ObjectMeta: metav1.ObjectMeta{Name: strings.TrimPrefix(ns, scidatav1.NamespacePrefix)}}, "")
}

// DataConfigMap holds files to upload.
func DataConfigMap(ns, name string, files map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app.kubernetes.io/name": "scidata-tool"}}, Data: files}
}

// ReviewerRBAC makes user a reviewer of department, whose platform's
// namespace is ns: `approve` on the reviewers resource named for the
// department, granted cluster-wide (the admission policy's authorizer check
// has no namespace), and the Submissions' status in ns only.
func ReviewerRBAC(department, ns, user string) string {
	return fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scidata-reviewer-%[1]s}
rules:
- apiGroups: [scidata.io]
  resources: [reviewers]
  resourceNames: [%[1]s]
  verbs: [approve]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: scidata-reviewer-%[1]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scidata-reviewer-%[1]s}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: %[3]q}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: scidata-reviewer, namespace: %[2]s}
rules:
- apiGroups: [scidata.io]
  resources: [submissions, submissions/status]
  verbs: [get, list, watch, patch, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: scidata-reviewer, namespace: %[2]s}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: scidata-reviewer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: %[3]q}
`, department, ns, user)
}

// CuratorRBAC makes user a curator of the Center: `accept` on the curators
// resource named center (cluster-wide, as the admission policy's
// authorizer check has no namespace), and the Submissions' status in every
// department's namespace.
func CuratorRBAC(user string) string {
	return fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: scidata-curator}
rules:
- apiGroups: [scidata.io]
  resources: [curators]
  resourceNames: [center]
  verbs: [accept]
- apiGroups: [scidata.io]
  resources: [submissions, submissions/status]
  verbs: [get, list, watch, patch, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: scidata-curator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: scidata-curator}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: %q}
`, user)
}

// AcceptancePatch is the merge patch of submissions/status a curator sends.
func AcceptancePatch(by string, at metav1.Time) string {
	return fmt.Sprintf(`{"status":{"acceptance":{"by":%q,"at":%q,"comment":"metadata and data checked for the Center"}}}`, by, at.UTC().Format("2006-01-02T15:04:05Z"))
}

// ApprovalPatch is the merge patch of submissions/status a reviewer sends.
func ApprovalPatch(by string, at metav1.Time) string {
	return fmt.Sprintf(`{"status":{"review":{"decision":"Approved","by":%q,"at":%q}}}`, by, at.UTC().Format("2006-01-02T15:04:05Z"))
}

// YAML renders objects as one multi-document YAML stream for kubectl.
func YAML(objs ...any) (string, error) {
	out := ""
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			return "", err
		}
		out += "---\n" + string(b)
	}
	return out, nil
}
