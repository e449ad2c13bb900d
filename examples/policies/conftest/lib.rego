# A helper package, imported by the policies as `data.lib`.
package lib

import rego.v1

from_registry(image, registries) if {
	some registry in registries
	startswith(image, concat("", [registry, "/"]))
}
