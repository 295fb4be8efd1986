mod support;
fn main() {
    let h = support::Harness::start();
    println!("server {}", h.server_version);
    let rt = support::runtime();
    let t = rt.block_on(h.fresh_db("x"));
    println!("{}", t.shown);
}
