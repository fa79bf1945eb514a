package checks

import (
	"slices"
	"strings"
)

// officialImages are the Docker Official Images (Docker Hub's `library/`
// namespace), current and deprecated ones that can still be pulled. A base
// named by one bare word that is not among them (`FROM bats-jenkins`,
// `FROM doesntmatter`) is an image the repository's own scripts build
// and tag locally, not one pulled from a registry.
var officialImages = []string{
	"adminer", "aerospike", "almalinux", "alpine", "alt", "amazoncorretto", "amazonlinux", "api-firewall",
	"arangodb", "archlinux", "backdrop", "bash", "bonita", "buildpack-deps", "busybox", "caddy", "cassandra",
	"celery", "centos", "chronograf", "cirros", "clearlinux", "clefos", "clickhouse", "clojure", "composer",
	"consul", "convertigo", "couchbase", "couchdb", "crate", "crux", "dart", "debian", "django", "docker",
	"drupal", "eclipse-mosquitto", "eclipse-temurin", "eggdrop", "elasticsearch", "elixir", "emqx", "erlang", //nolint:misspell // an image name
	"euleros", "fedora", "flink", "fluentd", "friendica", "fsharp", "gazebo", "gcc", "geonetwork", "ghost",
	"glassfish", "golang", "gradle", "groovy", "haproxy", "haskell", "haxe", "hello-world", "hitch", "httpd",
	"hylang", "ibm-semeru-runtimes", "ibmjava", "influxdb", "iojs", "irssi", "java", "jenkins", "jetty",
	"joomla", "jruby", "julia", "kapacitor", "kibana", "kong", "krakend", "liquibase", "logstash", "mageia",
	"mariadb", "matomo", "maven", "mediawiki", "memcached", "mongo", "mongo-express", "monica", "mono",
	"mysql", "nats", "nats-streaming", "neo4j", "neurodebian", "nextcloud", "nginx", "node", "notary",
	"nuxeo", "odoo", "open-liberty", "openjdk", "opensuse", "oraclelinux", "orientdb", "owncloud", "percona",
	"perl", "photon", "php", "php-zendserver", "phpmyadmin", "piwik", "plone", "postfixadmin", "postgres",
	"pypy", "python", "r-base", "rabbitmq", "rails", "rakudo-star", "redis", "redmine", "registry",
	"rethinkdb", "rocket.chat", "rockylinux", "ros", "ruby", "rust", "sapmachine", "satosa", "scratch",
	"sentry", "silverpeas", "sl", "solr", "sonarqube", "sourcemage", "spark", "spiped", "storm", "swarm",
	"swift", "swipl", "teamspeak", "telegraf", "tomcat", "tomee", "traefik", "ubuntu", "unit", "valkey",
	"varnish", "vault", "websphere-liberty", "wordpress", "xwiki", "yourls", "znc", "zookeeper",
}

// localName reports whether r is a bare name no registry serves as an
// official image: an image built and tagged locally.
func localName(r ImageRef) bool {
	return r.Registry == "" && r.Digest == "" && !strings.Contains(r.Repository, "/") && !slices.Contains(officialImages, r.Repository)
}
