/// `GET /_decoy/`: the live page. PLACEHOLDER until the charts land.
enum LivePage {
    static let html = """
        <!doctype html><meta charset="utf-8"><title>Decoy</title>
        <h1>Decoy</h1><p>See <a href="/_decoy/stats">/_decoy/stats</a> and <a href="/metrics">/metrics</a>.</p>
        """
}
