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

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: Shell, profiles: &[String], out: &mut dyn Write) {
    let mut cmd = command_with_profiles(profiles);
    let name = cmd.get_name().to_string();
    match shell {
        Shell::Bash => clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, name, out),
        Shell::Zsh => clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, name, out),
        Shell::Fish => clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, name, out),
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

pub fn completions(shell: Shell) -> anyhow::Result<()> {
    // The profile names, if the config can be read; a script without them
    // still completes everything else.
    let profiles: Vec<String> = crate::config::Config::load()
        .map(|c| c.profiles.keys().cloned().collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    write_completions(shell, &profiles, &mut out);
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
            write_completions(shell, &["prod".into(), "staging".into()], &mut out);
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
    fn the_version_names_the_commit() {
        assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")));
        assert!(
            VERSION.ends_with(')') && VERSION.contains(" ("),
            "{VERSION}"
        );
    }
}
