// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "decoy",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "decoy", targets: ["decoy"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        .target(
            name: "DecoyProfile",
            dependencies: ["CYAML"],
            resources: [.embedInCode("Resources/default.yaml")]
        ),
        .target(name: "DecoyEngine", dependencies: ["DecoyProfile"]),
        .target(name: "DecoyProviders", dependencies: ["DecoyEngine"]),
        .target(
            name: "DecoyServer",
            dependencies: [
                "DecoyProfile", "DecoyEngine", "DecoyProviders",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "decoy",
            dependencies: [
                "DecoyProfile", "DecoyServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // bench/run's load client for streams and open-model load (bench/DecoyLoad).
        .executableTarget(
            name: "decoy-load",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "bench/DecoyLoad"
        ),
        .testTarget(name: "DecoyProfileTests", dependencies: ["DecoyProfile"]),
        .testTarget(name: "DecoyEngineTests", dependencies: ["DecoyEngine"]),
        .testTarget(name: "DecoyProvidersTests", dependencies: ["DecoyProviders"]),
        .testTarget(
            name: "DecoyServerTests",
            dependencies: [
                "DecoyServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets, built only when DECOY_FUZZ is set (by Fuzz/run); plain builds, tests and CI never see them.
if Context.environment["DECOY_FUZZ"] != nil {
    package.targets += [
        .systemLibrary(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"),
        .executableTarget(
            name: "ProfileFuzzer", dependencies: ["CLibFuzzer", "DecoyProfile", "DecoyEngine"],
            path: "Fuzz/ProfileFuzzer"),
        .executableTarget(
            name: "RequestFuzzer", dependencies: ["CLibFuzzer", "DecoyProfile", "DecoyProviders"],
            path: "Fuzz/RequestFuzzer"),
        .executableTarget(
            name: "HTTPFuzzer",
            dependencies: [
                "CLibFuzzer", "DecoyProfile", "DecoyServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Fuzz/HTTPFuzzer"),
        .executableTarget(
            name: "DifferentialHTTPFuzzer",
            dependencies: [
                "CLibFuzzer", "DecoyServer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Fuzz/DifferentialHTTPFuzzer"),
        .executableTarget(
            name: "EventStreamFuzzer", dependencies: ["CLibFuzzer", "DecoyProviders"],
            path: "Fuzz/EventStreamFuzzer"),
    ]
}
