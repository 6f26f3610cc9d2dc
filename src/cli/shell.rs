//! The shell around the console: completion scripts and the manual page,
//! both generated from the same clap definitions as the parser (so they
//! can never disagree with it), and the version line with its commit.

use std::io::Write;

use clap::CommandFactory;

/// `lockdesk --version`: the crate's version and the commit it was built
/// from (`unknown` when built outside a git checkout).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("LOCKDESK_GIT_COMMIT"),
    ")"
);

/// The shells `lockdesk completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The command tree, with `--profile` offering the config's profile names
/// (read now, when the script is made: the script is re-made after adding
/// a profile, as the README says).
pub fn command_with_profiles(profiles: &[String]) -> clap::Command {
    // `--theme` offers the built-in themes and the theme files there are now.
    let themes: Vec<clap::builder::PossibleValue> = theme_names()
        .into_iter()
        .map(clap::builder::PossibleValue::new)
        .collect();
    let cmd = super::Cli::command().mut_arg("theme", |a| {
        a.value_parser(clap::builder::PossibleValuesParser::new(themes))
    });
    if profiles.is_empty() {
        return cmd;
    }
    let names: Vec<clap::builder::PossibleValue> = profiles
        .iter()
        .map(|p| clap::builder::PossibleValue::new(p.clone()))
        .collect();
    cmd.mut_arg("profile", |a| {
        a.value_parser(clap::builder::PossibleValuesParser::new(names))
    })
}

/// The built-in themes' names, then each `themes/NAME.toml`'s.
pub fn theme_names() -> Vec<String> {
    let mut names: Vec<String> = crate::ui::theme::BUILT_IN
        .iter()
        .map(|(n, _)| (*n).to_string())
        .collect();
    if let Ok(dir) = std::fs::read_dir(crate::config::themes_dir()) {
        let mut files: Vec<String> = dir
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                name.strip_suffix(".toml").map(str::to_string)
            })
            .filter(|n| !names.contains(n))
            .collect();
        files.sort();
        names.extend(files);
    }
    names
}

/// The rest of `info`'s paths: the theme files, and the state folder's.
pub fn paths() {
    out!(
        "themes:       {} (NAME.toml; theme = \"NAME\" in the config or --theme NAME; built in: {})",
        crate::config::themes_dir().display(),
        crate::ui::theme_file::built_in_names()
    );
    let state = crate::logging::log_path()
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    out!("state folder: {} (0700)", state.display());
    out!("bundles:      {}", state.join("bundles").display());
}

/// The ids opened lately that a script offers after `trace` and `job`,
/// newest first (from every profile's history, when the script is made).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recent {
    pub traces: Vec<String>,
    pub jobs: Vec<String>,
}

/// How many recent ids of each kind a script offers.
const RECENT_IN_SCRIPT: usize = 20;

impl Recent {
    /// The recent ids of `histories`, each kept only when it is made of
    /// characters no shell reads specially: a correlation id comes from a
    /// broker row, and a hostile one must never become script text.
    pub fn of(histories: &[crate::app::History]) -> Recent {
        use crate::app::OpenedKind;
        let pick = |kind: OpenedKind, ok: fn(char) -> bool| {
            let mut ids: Vec<String> = Vec::new();
            for h in histories {
                for id in h.recent_ids(kind) {
                    let plain = !id.is_empty() && id.len() <= 64 && id.chars().all(ok);
                    if plain && !ids.contains(&id) && ids.len() < RECENT_IN_SCRIPT {
                        ids.push(id);
                    }
                }
            }
            ids
        };
        Recent {
            traces: pick(OpenedKind::Trace, |c| {
                c.is_ascii_alphanumeric() || c == '-' || c == '_'
            }),
            jobs: pick(OpenedKind::Job, |c| c.is_ascii_digit()),
        }
    }

    /// Every profile's history in the state folder, read and never written.
    fn read() -> Recent {
        let dir = crate::console::history::path_for("default");
        let Some(dir) = dir.parent() else {
            return Recent::default();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Recent::default();
        };
        let histories: Vec<crate::app::History> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "jsonl"))
            .filter_map(|e| crate::console::history::peek(&e.path()).ok().flatten())
            .collect();
        Recent::of(&histories)
    }
}

/// Offers `ids` for `sub`'s `arg` in the script (completion only: the
/// parser still takes any id).
fn offer(cmd: clap::Command, sub: &str, arg: &'static str, ids: &[String]) -> clap::Command {
    if ids.is_empty() {
        return cmd;
    }
    let values: Vec<clap::builder::PossibleValue> = ids
        .iter()
        .map(|id| clap::builder::PossibleValue::new(id.clone()))
        .collect();
    cmd.mut_subcommand(sub, |s| {
        s.mut_arg(arg, |a| {
            a.value_parser(clap::builder::PossibleValuesParser::new(values))
        })
    })
}

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: Shell, profiles: &[String], recent: &Recent, out: &mut dyn Write) {
    let cmd = command_with_profiles(profiles);
    let cmd = offer(cmd, "trace", "id", &recent.traces);
    let mut cmd = offer(cmd, "job", "id", &recent.jobs);
    let name = cmd.get_name().to_string();
    match shell {
        Shell::Bash => clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, name, out),
        Shell::Zsh => clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, name, out),
        Shell::Fish => {
            clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, name, out);
            // clap's fish script leaves positional values out: the recent
            // ids are added as fish's own lines (plain characters only).
            for (sub, ids) in [("trace", &recent.traces), ("job", &recent.jobs)] {
                if !ids.is_empty() {
                    let _ = writeln!(
                        out,
                        "complete -c lockdesk -n \"__fish_lockdesk_using_subcommand {sub}\" -f -a \"{}\" -d 'opened lately'",
                        ids.join(" ")
                    );
                }
            }
        }
    }
}

/// Writes the manual page (roff) to `out`, the subcommands included.
pub fn write_man(out: &mut dyn Write) -> std::io::Result<()> {
    let cmd = super::Cli::command();
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    // One section per subcommand, so every command and its flags are there.
    for sub in cmd.get_subcommands() {
        let name = format!("lockdesk-{}", sub.get_name());
        let sub = sub.clone().name(name);
        clap_mangen::Man::new(sub).render_subcommands_section(out)?;
        writeln!(out)?;
    }
    Ok(())
}

pub fn completions(shell: Shell, recent: bool) -> anyhow::Result<()> {
    // The profile names, if the config can be read; a script without them
    // still completes everything else.
    let profiles: Vec<String> = crate::config::Config::load()
        .map(|c| c.profiles.keys().cloned().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    // Ids opened lately only when asked: a script is often kept where
    // others read it (a dotfiles repository, /etc/bash_completion.d).
    let recent = if recent {
        Recent::read()
    } else {
        Recent::default()
    };
    write_completions(shell, &profiles, &recent, &mut out);
    crate::output::write_stdout(&String::from_utf8_lossy(&out));
    Ok(())
}

pub fn man() -> anyhow::Result<()> {
    let mut out = Vec::new();
    write_man(&mut out)?;
    crate::output::write_stdout(&String::from_utf8_lossy(&out));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subcommand and every global flag, as the parser defines them.
    fn names() -> (Vec<String>, Vec<String>) {
        let cmd = super::super::Cli::command();
        let subs = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        let flags = cmd
            .get_arguments()
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        (subs, flags)
    }

    #[test]
    fn completions_and_the_man_page_cover_every_command_and_global_flag() {
        let (subs, flags) = names();
        assert!(
            subs.iter().any(|s| s == "trace") && subs.len() > 8,
            "{subs:?}"
        );
        assert!(flags.iter().any(|f| f == "--write"), "{flags:?}");
        let mut man = Vec::new();
        write_man(&mut man).unwrap();
        let man = String::from_utf8(man).unwrap();
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            write_completions(
                shell,
                &["prod".into(), "staging".into()],
                &Recent::default(),
                &mut out,
            );
            let script = String::from_utf8(out).unwrap();
            for s in &subs {
                assert!(script.contains(s.as_str()), "{shell:?} lacks {s}");
                assert!(man.contains(s.as_str()), "the man page lacks {s}");
            }
            for f in &flags {
                let bare = f.trim_start_matches('-');
                assert!(script.contains(bare), "{shell:?} lacks {f}");
                // roff escapes the dashes: \-\-write.
                assert!(
                    man.contains(f.as_str()) || man.contains(&f.replace('-', "\\-")),
                    "the man page lacks {f}"
                );
            }
            assert!(script.contains("staging"), "{shell:?}: profile names");
            assert!(script.contains("high-contrast"), "{shell:?}: theme names");
        }
    }

    #[test]
    fn completions_offer_recent_ids_and_never_a_hostile_one() {
        use crate::app::{Entry, History, Opened, OpenedKind};
        let at = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
        let mut h = History::default();
        for (kind, id) in [
            (OpenedKind::Trace, "c2165f3fb5a84c1b9d0e7a3f11aa22bb"),
            (OpenedKind::Trace, "$(touch /tmp/owned)"),
            (OpenedKind::Trace, "e4792295b2f441f0b205e154984e92fc"),
            (OpenedKind::Job, "4711"),
            (OpenedKind::Job, "12;rm"),
            (OpenedKind::Lock, "TTLOCK:28991110"),
        ] {
            h.add(Entry::Opened(Opened {
                kind,
                id: id.into(),
                at,
            }));
        }
        let recent = Recent::of(&[h]);
        assert_eq!(
            recent.traces,
            [
                "e4792295b2f441f0b205e154984e92fc",
                "c2165f3fb5a84c1b9d0e7a3f11aa22bb"
            ]
        );
        assert_eq!(recent.jobs, ["4711"]);
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            write_completions(shell, &[], &recent, &mut out);
            let script = String::from_utf8(out).unwrap();
            assert!(
                script.contains("e4792295b2f441f0b205e154984e92fc"),
                "{shell:?}"
            );
            assert!(script.contains("4711"), "{shell:?}");
            assert!(
                !script.contains("owned") && !script.contains("12;rm"),
                "{shell:?}"
            );
        }
    }

    #[test]
    fn the_version_names_the_commit() {
        assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")));
        assert!(
            VERSION.ends_with(')') && VERSION.contains(" ("),
            "{VERSION}"
        );
    }
}
