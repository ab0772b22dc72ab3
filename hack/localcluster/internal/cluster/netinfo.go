package cluster

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

// DefaultRouteInterface returns the interface of the IPv4 default route in
// the text of /proc/net/route. Reading the routing table sends nothing.
func DefaultRouteInterface(procNetRoute io.Reader) (string, error) {
	s := bufio.NewScanner(procNetRoute)
	first := true
	for s.Scan() {
		if first { // header
			first = false
			continue
		}
		f := strings.Fields(s.Text())
		if len(f) >= 8 && f[1] == "00000000" && f[7] == "00000000" {
			return f[0], nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("no IPv4 default route")
}

// DetectNodeIP returns the first IPv4 address of the default route's
// interface.
func DetectNodeIP() (string, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return "", err
	}
	defer f.Close()
	name, err := DefaultRouteInterface(f)
	if err != nil {
		return "", err
	}
	ifc, err := net.InterfaceByName(name)
	if err != nil {
		return "", err
	}
	addrs, err := ifc.Addrs()
	if err != nil {
		return "", err
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			return n.IP.String(), nil
		}
	}
	return "", fmt.Errorf("interface %s has no IPv4 address", name)
}
