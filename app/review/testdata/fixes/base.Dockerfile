# Workspace image for the payments team.
ARG BASE=debian:bookworm
FROM ${BASE}

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends jq \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /workspace

# Where the team's tools and the JDK's libraries live.
RUN mkdir -p /opt/tools
ENV TOOLS=/opt/tools
ENV JDK_LIB=/usr/lib/jvm/java-17-openjdk-amd64/lib

CMD ["bash"]
