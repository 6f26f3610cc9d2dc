// The console end to end without a terminal: the real app and executor on a
// database, driven by key presses (the headless runner), at a fixed clock,
// zone, operator and target name, so that screens can be compared as text.
//
//     Screen::new(&url).target(Target::Job { id: 72 }).keys("r")
//         .size(140, 40).global(writer()).providers(sim.provider_settings())
//         .run().await

use std::time::Duration;

use lockdesk::console::options::{Global, Target};
use lockdesk::console::{self, headless, screen};
use lockdesk::keys::{Keymap, parse_sequence};
use lockdesk::providers::settings::ProviderSettings;

/// The global options of a read-only run in the zone the snapshots use.
pub fn global() -> Global {
    Global {
        database_url: None,
        profile: None,
        write: false,
        reason: None,
        tz: Some("America/Winnipeg".into()),
        read_url: None,
        read_fallback: false,
        theme: None,
    }
}

/// The same, in write mode with a reason (`--write --reason INC-1234`).
pub fn writer() -> Global {
    Global {
        write: true,
        reason: Some("INC-1234".into()),
        ..global()
    }
}

/// One headless run of the console: what it opens, the keys replayed, the
/// terminal size, and the options. Defaults: the job queue, no keys,
/// 140×40, `global()`, the default keymap, no provider accounts.
#[must_use]
pub struct Screen {
    url: String,
    target: Option<Target>,
    keys: String,
    size: (u16, u16),
    global: Global,
    keymap: Option<Keymap>,
    providers: Option<ProviderSettings>,
    /// Messages after the keys (the terminal's pulses), and how long each
    /// waits for the loads in flight.
    then: Vec<lockdesk::app::Msg>,
    wait: Duration,
    ansi: bool,
    no_color: bool,
}

impl Screen {
    pub fn new(url: &str) -> Screen {
        Screen {
            url: url.to_string(),
            target: None,
            keys: String::new(),
            size: (140, 40),
            global: global(),
            keymap: None,
            providers: None,
            then: Vec::new(),
            wait: Duration::from_secs(10),
            ansi: false,
            no_color: false,
        }
    }

    /// Messages sent after the keys (e.g. `Msg::Beat`), each waited on
    /// for at most `wait` (a test holding a load back waits less).
    pub fn then(mut self, msgs: Vec<lockdesk::app::Msg>, wait: Duration) -> Screen {
        self.then = msgs;
        self.wait = wait;
        self
    }

    /// What the console opens (`lockdesk job 72`, …); `None` is the queue.
    pub fn target(mut self, target: impl Into<Option<Target>>) -> Screen {
        self.target = target.into();
        self
    }

    /// The keys replayed, in keymap notation (`":jobs failed<Enter>r"`).
    pub fn keys(mut self, keys: &str) -> Screen {
        self.keys = keys.to_string();
        self
    }

    pub fn size(mut self, width: u16, height: u16) -> Screen {
        self.size = (width, height);
        self
    }

    /// The global options (e.g. `writer()` for --write).
    pub fn global(mut self, global: Global) -> Screen {
        self.global = global;
        self
    }

    pub fn keymap(mut self, keymap: Keymap) -> Screen {
        self.keymap = Some(keymap);
        self
    }

    /// The provider accounts to use (the simulators').
    pub fn providers(mut self, providers: ProviderSettings) -> Screen {
        self.providers = Some(providers);
        self
    }

    /// Drawn as under NO_COLOR (its theme: no colour, reverse video where
    /// a background marked). The console takes NO_COLOR from the
    /// environment, which one test cannot set for itself alone.
    pub fn no_color(mut self) -> Screen {
        self.no_color = true;
        self
    }

    /// The screen as `lockdesk snapshot --color` writes it (SGR sequences),
    /// in place of plain text.
    pub fn ansi(mut self) -> Screen {
        self.ansi = true;
        self
    }

    /// The final screen, as text.
    pub async fn run(self) -> String {
        self.run_with_copies().await.0
    }

    /// The final screen and every copy the keys made (decoded from the OSC 52
    /// sequences a terminal would have received).
    pub async fn run_with_copies(self) -> (String, Vec<String>) {
        let ansi = self.ansi;
        let out = self.headless().await;
        let text = if ansi {
            screen::to_ansi(&out.screen)
        } else {
            screen::to_text(&out.screen)
        };
        (text, osc52_payloads(&out.copies))
    }

    /// The final screen with its colours, as `snapshot --color` prints it.
    pub async fn run_ansi(self) -> String {
        screen::to_ansi(&self.headless().await.screen)
    }

    /// The final screen as text and with its colours, from one run.
    pub async fn run_text_and_ansi(self) -> (String, String) {
        let out = self.headless().await;
        (screen::to_text(&out.screen), screen::to_ansi(&out.screen))
    }

    /// How long each load may take before the screen is read (10 s unless
    /// said; live provider reads under load may need more).
    pub fn wait(mut self, wait: Duration) -> Screen {
        self.wait = wait;
        self
    }

    async fn headless(self) -> headless::Headless {
        let now = Some(lockdesk::demo::world::fixed_now());
        let config = lockdesk::config::Config::default();
        let providers = self.providers.unwrap_or_default();
        let mut s = console::setup_with(
            &self.global,
            &self.url,
            "demo",
            self.target,
            now,
            config,
            providers,
        )
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
        // The socket path and the user differ per run: keep snapshots stable.
        // A run with a standby keeps its target: it says where reads go.
        if s.standby.is_none() {
            s.app.session_mut().target = "demo · lockdesk_demo".into();
        }
        s.app.set_operator("alice".into());
        if let Some(k) = self.keymap {
            s.app.set_keymap(k);
        }
        if self.no_color {
            s.app.set_theme(lockdesk::app::ThemeName::Plain);
        }
        let keys = parse_sequence(&self.keys).unwrap();
        let msgs = keys
            .iter()
            .map(|k| lockdesk::app::Msg::Key(k.to_event()))
            .chain(self.then)
            .collect();
        headless::run_msgs(
            s.app,
            s.pool,
            s.standby,
            s.settings,
            s.providers,
            s.start,
            msgs,
            self.size,
            self.wait,
        )
        .await
        .unwrap()
    }
}

/// The texts inside OSC 52 sequences (`ESC ] 52 ; c ; BASE64 BEL`).
fn osc52_payloads(bytes: &[u8]) -> Vec<String> {
    use base64::Engine;
    let text = String::from_utf8_lossy(bytes);
    text.split("\x1b]52;c;")
        .skip(1)
        .filter_map(|part| part.split('\x07').next())
        .map(|b64| {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("OSC 52 carries base64");
            String::from_utf8(raw).expect("a copy is UTF-8")
        })
        .collect()
}
