// swift-tools-version: 6.2
//
// pii-guard: a TLS reverse proxy that guards the personal-information menus of a seller admin.
// Module map and the reasons behind it: docs/ARCHITECTURE.md.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "pii-guard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pii-guard", targets: ["pii-guard"]),
        .executable(name: "pii-guard-bench", targets: ["pii-guard-bench"]),
        .library(name: "GuardProxy", targets: ["GuardProxy"]),
        .library(name: "DemoAdmin", targets: ["DemoAdmin"]),
        .library(name: "PIIGuard", targets: ["PIIGuard"]),
        .library(name: "SecondFactor", targets: ["SecondFactor"]),
        .library(name: "SecondFactorWeb", targets: ["SecondFactorWeb"]),
        .library(name: "MailDelivery", targets: ["MailDelivery"]),
        .library(name: "SealedSecrets", targets: ["SealedSecrets"]),
        .library(name: "MessageGateway", targets: ["MessageGateway"]),
        .library(name: "GuardStore", targets: ["GuardStore"]),
        .library(name: "GuardStorePostgres", targets: ["GuardStorePostgres"]),
        .library(name: "AccountIdentity", targets: ["AccountIdentity"]),
        .library(name: "PIIMasking", targets: ["PIIMasking"]),
        .library(name: "ExportVault", targets: ["ExportVault"]),
        .library(name: "AuditTrail", targets: ["AuditTrail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // JSON-string and HTML/XML escaping shared by everything that writes text into a format.
        .target(name: "TextEscaping", swiftSettings: swiftSettings),
        // The data path: HTTPS listener, upstream client, WebSocket relay. Knows nothing of PII or users.
        .target(
            name: "GuardProxy",
            dependencies: [
                "TextEscaping",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Step-up authentication: TOTP, one-time codes, lockout and proof policy. Knows nothing of sockets.
        .target(
            name: "SecondFactor",
            dependencies: [
                "TextEscaping",
                "GuardStore",
                "SealedSecrets",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The second factor on the web: the request gate of the personal-information menus, the pages and JSON API.
        .target(
            name: "SecondFactorWeb",
            dependencies: [
                "GuardProxy",
                "SecondFactor",
                "AccountIdentity",
                "PIIMasking",
                "TextEscaping",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Masking on the data path: picks the scanner per response, undoes and redoes content coding and charset.
        .target(
            name: "MaskingStage",
            dependencies: [
                "GuardProxy",
                "PIIMasking",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ],
            swiftSettings: swiftSettings
        ),
        // Secrets at rest (TOTP seeds, code and signing keys) sealed with AES-256-GCM under a master key.
        .target(
            name: "SealedSecrets",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Codes out through an SMS or messenger HTTP gateway: template, timeout, retry, undeliverable detection.
        .target(
            name: "MessageGateway",
            dependencies: [
                "TextEscaping",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Persistence behind small protocols, and the embedded SQLite backend (GRDB, WAL). No business rules.
        .target(
            name: "GuardStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The shared backend: the same protocols on PostgreSQL (postgres-nio), so several guards act as one.
        .target(
            name: "GuardStorePostgres",
            dependencies: [
                "GuardStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Who is logged in to the admin: its who-am-I endpoint (cached per session) or a trusted SSO header.
        .target(
            name: "AccountIdentity",
            dependencies: [
                "GuardProxy",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Personal data: the display-masking convention first; detectors and streaming scanners next.
        // Optimised in debug builds too: the scanners and detectors are hot loops that the demo and the test suite
        // (a 600-document corpus, megabyte bodies) would otherwise run twenty times slower.
        .target(name: "PIIMasking", swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Spreadsheet exports: CSV/HTML tables to .xlsx, ECMA-376 Agile encryption in an OLE compound file, the
        // reason and password policy, the export record. No HTTP.
        .target(
            name: "ExportVault",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Exports on the web: the gate that asks for a reason first, the reason pages and API, the transform that
        // delivers the encrypted workbook.
        .target(
            name: "ExportVaultWeb",
            dependencies: [
                "ExportVault",
                "GuardProxy",
                "GuardStore",
                "SealedSecrets",
                "SecondFactorWeb",
                "MaskingStage",
                "PIIMasking",
                "TextEscaping",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Access records: the hash chain with signed checkpoints, verification, retention, the monthly review report.
        // Storage is GuardStore's (`AuditLog`); no HTTP.
        .target(
            name: "AuditTrail",
            dependencies: [
                "GuardStore",
                "SealedSecrets",
                "TextEscaping",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The auditors' web view under /__guard/audit: records with filters, record detail, chain status, monthly reports.
        .target(
            name: "AuditTrailWeb",
            dependencies: [
                "AuditTrail",
                "GuardStore",
                "GuardProxy",
                "SecondFactorWeb",
                "TextEscaping",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by the test targets (servers on free ports for the length of a test). Not in any product.
        .target(
            name: "GuardTestSupport",
            dependencies: [
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["smtp_server.py", "silent_proxy.py"],
            swiftSettings: swiftSettings
        ),
        // E-mail out through SMTP (STARTTLS or implicit TLS, AUTH PLAIN/LOGIN), on SwiftNIO.
        .target(
            name: "MailDelivery",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A believable seller admin with synthetic Korean data, for the demo and the tests.
        .target(
            name: "DemoAdmin",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Composition: configuration, certificates, services.
        .target(
            name: "PIIGuard",
            dependencies: [
                "GuardProxy",
                "PIIMasking",
                "MaskingStage",
                "SecondFactor",
                "SecondFactorWeb",
                "ExportVault",
                "ExportVaultWeb",
                "AuditTrail",
                "AuditTrailWeb",
                "AccountIdentity",
                "MessageGateway",
                "MailDelivery",
                "SealedSecrets",
                "GuardStore",
                "GuardStorePostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "pii-guard",
            dependencies: [
                "PIIGuard",
                "ExportVault",
                "AuditTrail",
                "GuardStore",
                "PIIMasking",
                "MaskingStage",
                "DemoAdmin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks that print figures (never asserted in tests): `swift run -c release pii-guard-bench …`.
        .executableTarget(
            name: "pii-guard-bench",
            dependencies: [
                "PIIMasking", "ExportVault", "AuditTrail", "GuardStore", "GuardStorePostgres",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GuardProxyTests",
            dependencies: [
                "GuardProxy",
                "GuardTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AuditTrailTests",
            dependencies: [
                "AuditTrail",
                "GuardStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExportVaultTests",
            dependencies: ["ExportVault"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TextEscapingTests",
            dependencies: ["TextEscaping"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SecondFactorTests",
            dependencies: [
                "GuardTestSupport",
                "SecondFactor",
                "GuardStore",
                "GuardStorePostgres",
                "SealedSecrets",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MaskingStageTests",
            dependencies: [
                "MaskingStage",
                "PIIMasking",
                "GuardProxy",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SecondFactorWebTests",
            dependencies: [
                "GuardTestSupport",
                "SecondFactorWeb",
                "GuardProxy",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SealedSecretsTests",
            dependencies: [
                "SealedSecrets",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MessageGatewayTests",
            dependencies: [
                "GuardTestSupport",
                "MessageGateway",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GuardStoreTests",
            dependencies: [
                "GuardStore", "GuardStorePostgres", "GuardTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AccountIdentityTests",
            dependencies: [
                "GuardTestSupport",
                "AccountIdentity",
                "DemoAdmin",
                "GuardProxy",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PIIMaskingTests",
            dependencies: ["PIIMasking", "GuardTestSupport"],
            exclude: ["Corpus"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MailDeliveryTests",
            dependencies: [
                "GuardTestSupport",
                "MailDelivery",
                "PIIGuard",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DemoAdminTests",
            dependencies: [
                "GuardTestSupport",
                "DemoAdmin",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PIIGuardTests",
            dependencies: [
                "PIIGuard",
                "SecondFactor",
                "GuardStore",
                "GuardStorePostgres",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                "GuardProxy",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "GuardTestSupport",
                "ExportVault",
                "AuditTrail",
                "AuditTrailWeb",
                "GuardStore",
                "PIIGuard",
                "GuardProxy",
                "DemoAdmin",
                "SecondFactor",
                "SecondFactorWeb",
                "MaskingStage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
