# Workspace image for the payments team.
ARG BASE=debian:bookworm
FROM ${BASE}

ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends jq make curl ca-certificates git \
 && rm -rf /var/lib/apt/lists/*

# The JDK's home, as the vendor's docs write it.
ARG TARGETARCH
ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-${TARGETARCH}
ENV PATH=${JAVA_HOME}/bin:${PATH}

WORKDIR /workspace

# Where the team's tools and the JDK's libraries live.
RUN mkdir -p /opt/tools
ENV TOOLS=/opt/tools
ENV JDK_LIB=/usr/lib/jvm/java-17-openjdk-${TARGETARCH}/lib

CMD ["bash"]
RUN useradd --create-home --shell /bin/bash --uid 1000 --user-group coder
USER coder
