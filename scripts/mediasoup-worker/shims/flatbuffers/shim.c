/* Empty translation unit: placeholder static library for link_whole (see meson.build). */
