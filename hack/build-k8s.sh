#!/usr/bin/env bash
# build-k8s.sh builds the control-plane and node binaries from the Go modules
# pinned under hack/tools/ into bin/k8s/<version>/, and skips any binary that
# is already built from the same pins. Nothing is downloaded but Go modules.
#
#   hack/build-k8s.sh                 # the envtest set: etcd kube-apiserver kubectl
#   hack/build-k8s.sh all             # everything, for the local cluster
#   hack/build-k8s.sh addons          # the local cluster's add-ons: coredns kube-router local-path-provisioner
#   hack/build-k8s.sh kubelet kwok    # just these
#   hack/build-k8s.sh --print-dir     # the output directory (for KUBEBUILDER_ASSETS)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/hack/tools"

# The pins: one place. Changing a module version here without changing its
# go.mod fails the check below, so the two cannot drift apart.
KUBE_VERSION=v1.37.2
ETCD_VERSION=v3.7.0
KWOK_VERSION=v0.7.0
# The local cluster's add-ons (hack/localcluster), each in its own tools
# module so that their dependency graphs never meet Kubernetes' own.
COREDNS_VERSION=v1.15.0
KUBE_ROUTER_VERSION=v2.1.0
LOCAL_PATH_VERSION=v0.0.30

out="$root/bin/k8s/$KUBE_VERSION"

kube_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
envtest_set=(etcd kube-apiserver kubectl)
addons_set=(coredns kube-router local-path-provisioner)
all_set=(etcd "${kube_cmds[@]}" kwok "${addons_set[@]}")

log() { printf '%s build-k8s: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

check_pin() { # module-dir module version
	if ! grep -qE "^\s*(require )?$2 $3\$" "$tools/$1/go.mod"; then
		log "hack/tools/$1/go.mod does not require $2 $3 as build-k8s.sh pins it"
		exit 1
	fi
}

# stamp is what a built binary was built from: the pin and its go.sum. It
# hashes their content only, never their path, so that every checkout and
# worktree sharing bin/ agrees on what is fresh.
stamp() { # module-dir
	cat "$tools/$1/go.mod" "$tools/$1/go.sum" | sha256sum | cut -c1-16
}

fresh() { # name module-dir
	[[ -x "$out/$1" && -f "$out/.$1.stamp" && "$(cat "$out/.$1.stamp")" == "$(stamp "$2")" ]]
}

kube_ldflags() {
	local major minor commit date
	major=$(echo "$KUBE_VERSION" | cut -d. -f1 | tr -d v)
	minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
	commit=$(cd "$tools/kube" && go list -m -f '{{.Version}}' k8s.io/kubernetes)
	date=1970-01-01T00:00:00Z # reproducible: the pin, not the build time, says what this is
	local f=""
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		f+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
		f+=" -X $pkg.gitCommit=$commit -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
	done
	echo "-s -w$f"
}

build() { # module-dir ldflags names...
	local dir=$1 ldflags=$2
	shift 2
	local pkgs=() todo=()
	for name in "$@"; do
		fresh "$name" "$dir" && continue
		todo+=("$name")
		case $dir in
		kube) pkgs+=("k8s.io/kubernetes/cmd/$name") ;;
		etcd) pkgs+=(".") ;;
		kwok) pkgs+=("sigs.k8s.io/kwok/cmd/kwok") ;;
		coredns) pkgs+=(".") ;;
		kube-router) pkgs+=("github.com/cloudnativelabs/kube-router/v2/cmd/kube-router") ;;
		local-path-provisioner) pkgs+=("github.com/rancher/local-path-provisioner") ;;
		esac
	done
	((${#todo[@]})) || return 0
	log "building ${todo[*]} (a cold build takes minutes; later runs reuse the Go build cache)"
	mkdir -p "$out"
	local tmp
	tmp=$(mktemp -d "$out/.build.XXXX")
	(cd "$tools/$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${pkgs[@]}")
	for name in "${todo[@]}"; do
		src="$tmp/$name"
		[[ $dir == etcd ]] && src="$tmp/etcd"
		mv -f "$src" "$out/$name"
		stamp "$dir" >"$out/.$name.stamp"
	done
	rmdir "$tmp" 2>/dev/null || rm -rf "$tmp"
}

want=()
for a in "$@"; do
	case $a in
	--print-dir) echo "$out"; exit 0 ;;
	all) want+=("${all_set[@]}") ;;
	envtest) want+=("${envtest_set[@]}") ;;
	addons) want+=("${addons_set[@]}") ;;
	*) want+=("$a") ;;
	esac
done
((${#want[@]})) || want=("${envtest_set[@]}")

check_pin kube k8s.io/kubernetes "$KUBE_VERSION"
check_pin etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_pin kwok sigs.k8s.io/kwok "$KWOK_VERSION"
check_pin coredns github.com/coredns/coredns "$COREDNS_VERSION"
check_pin kube-router github.com/cloudnativelabs/kube-router/v2 "$KUBE_ROUTER_VERSION"
check_pin local-path-provisioner github.com/rancher/local-path-provisioner "$LOCAL_PATH_VERSION"

kube=() etcd=() kwok=() addons=()
for name in "${want[@]}"; do
	case $name in
	etcd) etcd+=(etcd) ;;
	kwok) kwok+=(kwok) ;;
	coredns | kube-router | local-path-provisioner) addons+=("$name") ;;
	kube-apiserver | kube-controller-manager | kube-scheduler | kubectl | kubelet | kube-proxy) kube+=("$name") ;;
	*) log "unknown component $name (known: ${all_set[*]})"; exit 2 ;;
	esac
done

((${#etcd[@]})) && build etcd "-s -w" etcd
((${#kube[@]})) && build kube "$(kube_ldflags)" "${kube[@]}"
((${#kwok[@]})) && build kwok "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" kwok

# The add-ons share no code, so they build side by side (each is ~7 min
# cold on 2 cores); a failure in one fails the script after all have ended.
addon_ldflags() { # name
	case $1 in
	coredns) echo "-s -w -X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" ;;
	kube-router)
		local p=github.com/cloudnativelabs/kube-router/v2/pkg/version
		echo "-s -w -X $p.Version=$KUBE_ROUTER_VERSION -X $p.BuildDate=1970-01-01T00:00:00Z"
		;;
	local-path-provisioner) echo "-s -w -X main.VERSION=$LOCAL_PATH_VERSION" ;;
	esac
}
if ((${#addons[@]})); then
	pids=()
	for name in "${addons[@]}"; do
		build "$name" "$(addon_ldflags "$name")" "$name" &
		pids+=($!)
	done
	failed=0
	for p in "${pids[@]}"; do wait "$p" || failed=1; done
	((failed == 0)) || { log "an add-on build failed (see above)"; exit 1; }
fi

# Report what is there, by asking each binary: a binary that says
# v0.0.0-master was built wrong and fails here instead of in a test.
for name in "${want[@]}"; do
	case $name in
	kubectl) v=$("$out/kubectl" version --client 2>&1) ;;
	coredns) v=$("$out/coredns" -version 2>&1) ;;
	*) v=$("$out/$name" --version 2>&1) ;;
	esac
	v=${v%%$'\n'*} # the first line; no `head`, whose early exit breaks the pipe
	case $v in
	*v0.0.0* | *master*) log "$name reports '$v': the version ldflags did not take"; exit 1 ;;
	esac
	log "$name: $v"
done
